"""Real services for every suite: Redis, and migrated SQLite/PostgreSQL databases.

SQL databases are cheap to get: one migrated template per test session (a SQLite file, a
PostgreSQL database), copied for every test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripthub.adapters.sqlalchemy.migrations import upgrade_database
from tests import services

# SMTP server, frozen servers, OAuth providers
pytest_plugins = [
    "tests.smtp_sink",
    "tests.freezing_proxy",
    "tests.fake_oauth_provider",
    "tests.fake_github",
]


@pytest.fixture(scope="session")
def redis_url() -> str:
    return services.check_redis()


@pytest.fixture
def redis_prefix() -> str:
    return services.unique_redis_prefix()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    with services.postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "scripthub.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    with services.postgres_database() as url:
        asyncio.run(upgrade_database(url))
        yield url


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file of this test's own."""
    return services.copy_sqlite_database(sqlite_template, tmp_path)


@pytest.fixture
def postgres_database_url(postgres_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own; dropped afterwards."""
    with services.postgres_database(template=postgres_template) as url:
        yield url
