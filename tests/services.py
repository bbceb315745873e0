"""Access to the real PostgreSQL and Redis servers the integration tests use.

Where a server cannot be reached the tests that need it skip with the reason, unless
SCRIPTHUB_REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from typing import TYPE_CHECKING

import asyncpg
import pytest
import redis.asyncio as aioredis

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

POSTGRES_URL = os.environ.get(
    "SCRIPTHUB_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SCRIPTHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SERVICES_REQUIRED = os.environ.get("SCRIPTHUB_REQUIRE_SERVICES") == "1"


def unavailable(service: str, error: BaseException) -> None:
    message = f"{service} is not reachable ({type(error).__name__}: {error})"
    if SERVICES_REQUIRED:
        pytest.fail(f"{message} and SCRIPTHUB_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def _driver_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _execute_on_admin(statement: str) -> None:
    connection = await asyncpg.connect(_driver_url(POSTGRES_URL), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_postgres_database(template: str | None = None) -> str:
    """Create a database with a unique name, empty or a copy of `template` (a URL)."""
    name = f"scripthub_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template.rpartition("/")[2]}"' if template else ""
    try:
        asyncio.run(_execute_on_admin(f'CREATE DATABASE "{name}"{copy}'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        unavailable("PostgreSQL", error)
    return _with_database(POSTGRES_URL, name)


def check_postgres() -> str:
    """The server's driver-less URL without a database (`postgresql://user@host:port`), once
    it answers."""
    try:
        asyncio.run(_execute_on_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        unavailable("PostgreSQL", error)
    return _driver_url(POSTGRES_URL).rpartition("/")[0]


def drop_postgres_database(url: str) -> None:
    name = url.rpartition("/")[2]
    asyncio.run(_execute_on_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A database of its own (see `create_postgres_database`) until the block ends."""
    url = create_postgres_database(template)
    try:
        yield url
    finally:
        drop_postgres_database(url)


def copy_sqlite_database(template: Path, directory: Path) -> str:
    """A copy of the SQLite file `template` in `directory`; its URL."""
    path = directory / "scripthub.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _ping_redis() -> None:
    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    finally:
        await client.aclose()


def check_redis() -> str:
    try:
        asyncio.run(_ping_redis())
    except (OSError, aioredis.RedisError) as error:
        unavailable("Redis", error)
    return REDIS_URL


def unique_redis_prefix() -> str:
    """Tests share one Redis database; a fresh key prefix keeps each test's keys apart."""
    return f"scripthub-test:{uuid.uuid4().hex[:12]}:"
