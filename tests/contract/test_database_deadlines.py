"""A PostgreSQL server that stops answering, or is too slow, costs a request a few seconds
and a 503, never a hang; connections left in an unknown state are dropped, not reused.

The server is frozen through a proxy (tests/freezing_proxy.py): the real one serves other
tests at the same time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from scripthub.adapters.sqlalchemy.account_reader import SqlAlchemyAccountReader
from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.outbox_dispatch_store import SqlAlchemyOutboxDispatchStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncEngine

    from tests.freezing_proxy import FreezingProxy

pytestmark = pytest.mark.postgres

DEADLINE_S = 6.5
"""The deadlines are 5 s; the rest is slack, not a benchmark. (Closing a stuck connection
gracefully instead of dropping it would add 2 s.)"""


@pytest.fixture
async def engine(
    postgres_database_url: str, postgres_proxy: FreezingProxy
) -> AsyncIterator[AsyncEngine]:
    """One connection at most, through the proxy: whatever a test sees is that connection."""
    engine = create_engine(postgres_proxy.route(postgres_database_url), pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


async def seconds_to_unavailable(call: Callable[[], Awaitable[object]]) -> float:
    """How long `call` took to raise ServiceUnavailableError; fails past the deadline."""
    started = time.monotonic()
    async with asyncio.timeout(DEADLINE_S):
        with pytest.raises(ServiceUnavailableError):
            await call()
    return time.monotonic() - started


async def backend_pid(engine: AsyncEngine) -> int:
    async with asyncio.timeout(DEADLINE_S), engine.connect() as connection:
        pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        return pid


async def find_a_user(engine: AsyncEngine) -> None:
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.users.get(uuid.uuid4())


async def read_an_account(engine: AsyncEngine) -> None:
    """The one read that goes around SQLAlchemy, straight to asyncpg."""
    await SqlAlchemyAccountReader(engine).account(uuid.uuid4())


@pytest.mark.parametrize("read", [find_a_user, read_an_account])
async def test_a_frozen_server_is_unavailable_and_its_connection_is_dropped(
    engine: AsyncEngine,
    postgres_proxy: FreezingProxy,
    read: Callable[[AsyncEngine], Awaitable[None]],
) -> None:
    stuck = await backend_pid(engine)

    with postgres_proxy.frozen():
        elapsed = await seconds_to_unavailable(lambda: read(engine))

    assert elapsed < DEADLINE_S
    async with asyncio.timeout(DEADLINE_S):
        await read(engine)
    assert await backend_pid(engine) != stuck, "the stuck connection went back to the pool"


async def test_a_statement_the_server_runs_too_long_is_unavailable_on_a_kept_connection(
    engine: AsyncEngine, postgres_database_url: str
) -> None:
    store = SqlAlchemyOutboxDispatchStore(engine)
    kept = await backend_pid(engine)
    blocker = create_engine(postgres_database_url)
    try:
        async with blocker.connect() as connection:
            await connection.execute(text("LOCK TABLE mail_outbox IN ACCESS EXCLUSIVE MODE"))
            elapsed = await seconds_to_unavailable(store.count_by_status)
    finally:
        await blocker.dispose()

    assert elapsed < DEADLINE_S
    assert sum((await store.count_by_status()).values()) == 0
    assert await backend_pid(engine) == kept, "a live server's connection is worth keeping"


async def test_waiting_for_a_pooled_connection_gives_up(engine: AsyncEngine) -> None:
    async with engine.connect() as held:
        await held.execute(text("SELECT 1"))
        elapsed = await seconds_to_unavailable(lambda: find_a_user(engine))

    assert elapsed < DEADLINE_S
