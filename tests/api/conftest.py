"""The app over HTTP on both wirings: embedded (SQLite, in-process stores) and
production (PostgreSQL + Redis)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from scripthub.adapters.sqlalchemy.migrations import upgrade_database
from scripthub.entrypoints.container import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests import services
from tests.api.client import Api

WIRINGS = [
    "embedded",
    pytest.param("postgres_redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
]
TEST_ENVIRONMENT = {
    "SCRIPTHUB_ENV": "test",
    "SCRIPTHUB_JWT_SECRET": "api-test-secret-0123456789abcdef0123456789",
    "SCRIPTHUB_BCRYPT_ROUNDS": "4",
    "SCRIPTHUB_RATE_LIMIT_AUTH": "10000/900",
    "SCRIPTHUB_RATE_LIMIT_API": "10000/900",
}

EnvironmentFactory = Callable[[], dict[str, str]]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "scripthub.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    url = services.create_postgres_database()
    asyncio.run(upgrade_database(url))
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(params=WIRINGS)
def wiring_environment(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[dict[str, str]]:
    if request.param == "embedded":
        database = tmp_path / "scripthub.db"
        shutil.copy(sqlite_template, database)
        yield {**TEST_ENVIRONMENT, "SCRIPTHUB_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
        return
    template = request.getfixturevalue("postgres_template")
    url = services.create_postgres_database(template=template)
    yield {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": url,
        "SCRIPTHUB_REDIS_URL": request.getfixturevalue("redis_url"),
        "SCRIPTHUB_REDIS_KEY_PREFIX": request.getfixturevalue("redis_prefix"),
    }
    services.drop_postgres_database(url)


@pytest.fixture
async def make_api(wiring_environment: dict[str, str]) -> AsyncIterator[Callable[..., Api]]:
    """Build an app on this test's wiring; keyword arguments override environment variables."""
    clients: list[AsyncTestClient] = []

    async def build(**overrides: str) -> Api:
        settings = load_settings({**wiring_environment, **overrides}, env_file=None)
        app = create_app(build_container(settings))
        client = AsyncTestClient(app=app)
        await client.__aenter__()
        clients.append(client)
        return Api(client)

    yield build  # type: ignore[misc]
    for client in clients:
        await client.__aexit__(None, None, None)


@pytest.fixture
async def api(make_api: Callable[..., Api]) -> Api:
    return await make_api()  # type: ignore[misc,no-any-return]
