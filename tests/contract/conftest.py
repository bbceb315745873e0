"""Fixtures for the contract suites: each SQL backend, migrated (see tests/conftest.py), and
units of work on every backend (the in-memory fake and each SQL backend)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.sqlalchemy.engine import create_engine
from tests.contract.uow_backends import Backend, MakeUnitOfWork, MemoryBackend, SqlBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncEngine

SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=SQL_BACKENDS)
def sql_database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database on each SQL backend."""
    # Resolved in a synchronous fixture: the service helpers run their own event loop.
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    return url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def redis_place(request: pytest.FixtureRequest) -> tuple[str, str] | None:
    """The Redis URL and key prefix to test a store on; None for its in-process adapter."""
    # Resolved in a synchronous fixture: the service fixtures run their own event loop.
    if request.param == "memory":
        return None
    return request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")


@pytest.fixture
async def engine(sql_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sql_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["memory", *SQL_BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    # Resolved in a synchronous fixture: the database fixtures run their own event loop.
    if request.param == "memory":
        return MemoryBackend()
    return SqlBackend(request.getfixturevalue(f"{request.param}_database_url"))


@pytest.fixture
async def make_uow(backend: Backend) -> AsyncIterator[MakeUnitOfWork]:
    yield backend.unit_of_work
    await backend.close()
