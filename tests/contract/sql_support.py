"""What the SQL-only tests share: an unreachable server, lock waits, aiosqlite's threads,
seeding without the product's deadlines."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import create_async_engine

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/scripthub"


async def wait_for_a_lock_waiter(engine: AsyncEngine) -> None:
    async with asyncio.timeout(10), engine.connect() as connection:
        while True:
            waiting = await connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if waiting.scalar_one():
                return
            await connection.rollback()
            await asyncio.sleep(0.01)


def join_aiosqlite_threads() -> None:
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=5)


@contextlib.asynccontextmanager
async def seeding_transaction(url: str) -> AsyncIterator[AsyncConnection]:
    """A transaction on the PostgreSQL database `url`, committed when the block ends, on a
    connection of its own without the product's deadlines: neither the server's
    `statement_timeout` nor asyncpg's `command_timeout`, which `SET LOCAL` cannot lift and
    which seeding 100k rows outlives on a loaded machine."""
    engine = create_async_engine(url, connect_args={"server_settings": {"statement_timeout": "0"}})
    try:
        async with engine.begin() as connection:
            yield connection
    finally:
        await engine.dispose()
