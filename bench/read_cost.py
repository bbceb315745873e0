"""CPU of one pooled single-row read, four ways, in-process: why the account reader runs
asyncpg's `fetchrow` inside one greenlet on SQLAlchemy's pool.

    .venv/bin/python bench/read_cost.py [postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

  async-connection   `async with engine.connect()` (AUTOCOMMIT), `get_raw_connection()`,
                     `fetchrow` on the driver: the account reader of 4564b27
  no-autocommit      the same without the AUTOCOMMIT execution option
  one-greenlet       `greenlet_spawn` of: `pool.connect()`, `await_(fetchrow)`, `close()`:
                     the account reader now
  asyncpg-pool       a bare asyncpg pool without reset query: the raw baseline's way

Prints the median CPU microseconds per read over 20 rounds of 200 reads each, same query
(`SELECT $1::uuid, $2::varchar`) on every path.
"""

import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import uvloop
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.util import await_, greenlet_spawn

SQL = "SELECT $1::uuid AS id, $2::varchar AS separator"


async def main(url: str) -> None:
    engine = create_async_engine(url, pool_size=5)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def no_reset(connection: asyncpg.Connection) -> None:
        pass

    pool = await asyncpg.create_pool(
        url.replace("+asyncpg", ""), min_size=1, max_size=5, reset=no_reset
    )
    key = uuid.uuid4()

    async def async_connection() -> Any:
        async with autocommit.connect() as connection:
            raw = await connection.get_raw_connection()
            return await raw.driver_connection.fetchrow(SQL, key, ",")

    async def no_autocommit() -> Any:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            return await raw.driver_connection.fetchrow(SQL, key, ",")

    def read_in_greenlet() -> Any:
        connection = engine.sync_engine.pool.connect()
        try:
            return await_(connection.driver_connection.fetchrow(SQL, key, ","))
        finally:
            connection.close()

    async def one_greenlet() -> Any:
        return await greenlet_spawn(read_in_greenlet)

    async def asyncpg_pool() -> Any:
        async with pool.acquire() as connection:
            return await connection.fetchrow(SQL, key, ",")

    ways: dict[str, Callable[[], Awaitable[Any]]] = {
        "async-connection": async_connection,
        "no-autocommit": no_autocommit,
        "one-greenlet": one_greenlet,
        "asyncpg-pool": asyncpg_pool,
    }
    try:
        for read in ways.values():
            for _ in range(200):
                await read()
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(20):
            for name, read in ways.items():
                started = time.process_time()
                for _ in range(200):
                    await read()
                cpu[name].append(1e6 * (time.process_time() - started) / 200)
    finally:
        await engine.dispose()
        await pool.close()
    for name, values in cpu.items():
        print(f"{name:<18} {statistics.median(values):6.0f} us CPU per read")


if __name__ == "__main__":
    uvloop.run(
        main(
            sys.argv[1]
            if len(sys.argv) > 1
            else "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        )
    )
