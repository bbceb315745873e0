"""The UnitOfWork contract on every adapter: what commits, what rolls back.

Plus what only the SQL adapters have: NUL characters and driver failures as the
application's own errors.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.sqlalchemy.account_reader import SqlAlchemyAccountReader
from scripthub.adapters.sqlalchemy.engine import SqlAlchemyHealthProbe, create_engine
from scripthub.adapters.sqlalchemy.session_store import SqlAlchemySessionStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.audit import AuditEntry, Outcome
from scripthub.domain.errors import BadRequestError, ServiceUnavailableError
from scripthub.domain.providers import Provider, ProviderLink
from scripthub.domain.sessions import Session
from tests.contract.samples import T0, make_user
from tests.contract.sql_support import CLOSED_PORT_URL, join_aiosqlite_threads
from tests.contract.uow_backends import MakeUnitOfWork, SqlBackend, committed

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.application.ports.unit_of_work import UnitOfWork


# Transactions


async def test_leaving_without_commit_rolls_back(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    async with make_uow() as uow:
        await uow.users.add(user)

    async with make_uow() as uow:
        assert await uow.users.get(user.id) is None


async def test_an_error_in_the_block_rolls_back_and_propagates_unchanged(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()

    async def add_then_fail(uow: UnitOfWork) -> None:
        await uow.users.add(user)
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        await committed(make_uow, add_then_fail)

    async with make_uow() as uow:
        assert await uow.users.get(user.id) is None


async def test_changes_after_commit_need_another_commit(make_uow: MakeUnitOfWork) -> None:
    committed, dropped = make_user(), make_user("bob")
    async with make_uow() as uow:
        await uow.users.add(committed)
        await uow.commit()
        await uow.users.add(dropped)

    async with make_uow() as uow:
        assert await uow.users.get(committed.id) == committed
        assert await uow.users.get(dropped.id) is None


# SQL only: NUL characters and outages


async def test_nul_characters_in_written_text_are_a_bad_request(engine: AsyncEngine) -> None:
    user = make_user()
    user.profile.bio = "a\x00b"
    link = ProviderLink(uuid.uuid4(), uuid.uuid4(), Provider.GITHUB, "1", None, T0, {"k": ["\x00"]})
    session = Session(uuid.uuid4(), uuid.uuid4(), T0, T0, T0, "agent\x00", None, "email")

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    with pytest.raises(BadRequestError):
        await committed(make_uow, lambda uow: uow.users.add(user))
    with pytest.raises(BadRequestError):
        await committed(make_uow, lambda uow: uow.provider_links.add(link))
    with pytest.raises(BadRequestError):
        await SqlAlchemySessionStore(engine).create(session, "hash-1")


@pytest.mark.postgres
async def test_nul_characters_in_a_postgres_lookup_are_a_bad_request(
    postgres_database_url: str,
) -> None:
    backend = SqlBackend(postgres_database_url)
    try:
        with pytest.raises(BadRequestError):
            await committed(
                backend.unit_of_work, lambda uow: uow.roles.revoke(uuid.uuid4(), "a\x00")
            )
    finally:
        await backend.close()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(CLOSED_PORT_URL, id="postgres-closed-port"),
        pytest.param(
            "postgresql+asyncpg://postgres@127.0.0.1:5432/scripthub_never_created",
            id="postgres-no-database",
            marks=pytest.mark.postgres,
        ),
        pytest.param("sqlite+aiosqlite:///{tmp}/missing/dir/scripthub.db", id="sqlite-no-folder"),
    ],
)
async def test_unreachable_database_is_service_unavailable(url: str, tmp_path: Path) -> None:
    engine = create_engine(url.format(tmp=tmp_path))
    store = SqlAlchemySessionStore(engine)
    entry = AuditEntry(uuid.uuid4(), T0, None, "x", None, None, Outcome.SUCCESS, None, None)

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    try:
        with pytest.raises(ServiceUnavailableError):
            await committed(make_uow, lambda uow: uow.users.get_by_email("alice@example.com"))
        with pytest.raises(ServiceUnavailableError):
            await committed(make_uow, lambda uow: uow.audit.record(entry))
        with pytest.raises(ServiceUnavailableError):
            await store.live_epoch(uuid.uuid4(), uuid.uuid4(), T0)
        with pytest.raises(ServiceUnavailableError):
            await SqlAlchemyAccountReader(engine).account(uuid.uuid4())
        assert not await SqlAlchemyHealthProbe(engine).healthy()
    finally:
        await engine.dispose()
        # aiosqlite stops the worker thread of a failed connection without waiting for it;
        # the thread must finish while this test's event loop still runs.
        await asyncio.to_thread(join_aiosqlite_threads)
