"""A PostgreSQL database of a bench's own, made fresh on the server of
SCRIPTHUB_BENCH_ADMIN_URL (default: the local server's `postgres` database) and dropped after."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN_URL = os.environ.get(
    "SCRIPTHUB_BENCH_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def _recreate(database: str, *, drop_only: bool = False) -> str:
    admin = create_async_engine(ADMIN_URL, poolclass=pool.NullPool)
    async with admin.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        if not drop_only:
            await autocommit.execute(text(f"CREATE DATABASE {database}"))
    await admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


@contextlib.asynccontextmanager
async def scratch_database(database: str, *, keep: bool = False) -> AsyncIterator[str]:
    """The URL of the empty database `database`, dropped when the block ends unless `keep`."""
    url = await _recreate(database)
    try:
        yield url
    finally:
        if not keep:
            await _recreate(database, drop_only=True)


def percentiles(milliseconds: list[float]) -> tuple[float, float]:
    """(p50, p95) of timings."""
    ordered = sorted(milliseconds)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95) - 1]
