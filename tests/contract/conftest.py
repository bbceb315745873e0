"""Fixtures for the contract suites: real, migrated databases.

SQL databases are cheap to get: one migrated template per test session (a SQLite file, a
PostgreSQL database), copied for every test.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.sqlalchemy import create_engine, create_session_factory
from scripthub.adapters.sqlalchemy.migrations import upgrade_database
from tests import services

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "scripthub.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    url = services.create_postgres_database()
    try:
        asyncio.run(upgrade_database(url))
        yield url
    finally:
        services.drop_postgres_database(url)


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file of this test's own."""
    path = tmp_path / "scripthub.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def postgres_database_url(postgres_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own; dropped afterwards."""
    url = services.create_postgres_database(template=postgres_template)
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(params=SQL_BACKENDS)
def sql_database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database on each SQL backend."""
    # Resolved in a synchronous fixture: the service helpers run their own event loop.
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    return url


@pytest.fixture
async def engine(sql_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sql_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)
