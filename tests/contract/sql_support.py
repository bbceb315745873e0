"""What the SQL-only tests share: an unreachable server, lock waits, aiosqlite's threads."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

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
