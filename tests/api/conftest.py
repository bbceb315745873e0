"""The app over HTTP on both wirings: embedded (SQLite, in-process stores) and
production (PostgreSQL + Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient, transport

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
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


@pytest.fixture(params=WIRINGS)
def wiring_environment(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "embedded":
        url = request.getfixturevalue("sqlite_database_url")
        return {**TEST_ENVIRONMENT, "SCRIPTHUB_DATABASE_URL": url}
    return {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": request.getfixturevalue("postgres_database_url"),
        "SCRIPTHUB_REDIS_URL": request.getfixturevalue("redis_url"),
        "SCRIPTHUB_REDIS_KEY_PREFIX": request.getfixturevalue("redis_prefix"),
    }


@pytest.fixture
async def make_api(wiring_environment: dict[str, str]) -> AsyncIterator[Callable[..., Api]]:
    """Build an app on this test's wiring; keyword arguments override environment variables."""
    clients: list[AsyncTestClient] = []

    async def build(**overrides: str) -> Api:
        settings = load_settings({**wiring_environment, **overrides}, env_file=None)
        container = build_container(settings)
        client = AsyncTestClient(app=create_app(container))
        await client.__aenter__()
        clients.append(client)
        return Api(client, container)

    yield build  # type: ignore[misc]
    for client in clients:
        await client.__aexit__(None, None, None)


@pytest.fixture
async def api(make_api: Callable[..., Api]) -> Api:
    return await make_api()  # type: ignore[misc,no-any-return]


@pytest.fixture
def peer_header(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets a request name its peer address in `X-Test-Peer`: the test client's own peer is
    "testclient", which no trusted-proxy network can contain."""
    parse_request = transport.TestClientTransport.parse_request

    def with_peer(self: transport.TestClientTransport, request: httpx.Request) -> dict[str, Any]:
        scope = parse_request(self, request)  # type: ignore[arg-type]
        if peer := request.headers.get("x-test-peer"):
            scope["client"] = (peer, 50000)
        return scope

    monkeypatch.setattr(transport.TestClientTransport, "parse_request", with_peer)
