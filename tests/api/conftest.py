"""The app over HTTP on both wirings, embedded (SQLite, in-process stores) and production
(PostgreSQL + Redis): in-process (`api`, `make_api`) or a real `scripthub serve` (`served_api`,
`fresh_api`)."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from dependency_injector import providers
from litestar.testing import AsyncTestClient, transport

from scripthub.entrypoints.containers import Container, build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.logs import configure_logging, reset_logging
from scripthub.entrypoints.settings import load_settings
from tests import services
from tests.api.client import Api, ServedApi
from tests.api.mails import FRONTEND
from tests.contract.test_permission_cache import CountingConnection
from tests.served import Server, serving
from tests.smtp_sink import SmtpSink

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
    "SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS": "10000/900",
    "SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS_PER_SCRIPT": "10000/900",
}


def round_trips_counted(database_url: str, redis_url: str, prefix: str) -> Container:
    """The production wiring on these stores, its Redis round trips counted
    (`CountingConnection.writes`)."""
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": database_url,
        "SCRIPTHUB_REDIS_URL": redis_url,
        "SCRIPTHUB_REDIS_KEY_PREFIX": prefix,
    }
    container = build_container(load_settings(environment, env_file=None))
    container.adapters.redis_client.override(
        providers.Singleton(aioredis.Redis.from_url, redis_url, connection_class=CountingConnection)
    )
    return container


@contextlib.contextmanager
def fresh_databases(
    wiring: str, request: pytest.FixtureRequest, directory: Path
) -> Iterator[dict[str, str]]:
    """The settings of `wiring` on a migrated database of their own (and, with Redis, a key
    prefix of their own), until the block ends."""
    if wiring == "embedded":
        template = request.getfixturevalue("sqlite_template")
        url = services.copy_sqlite_database(template, directory)
        yield {**TEST_ENVIRONMENT, "SCRIPTHUB_DATABASE_URL": url}
        return
    with services.postgres_database(request.getfixturevalue("postgres_template")) as url:
        yield {
            **TEST_ENVIRONMENT,
            "SCRIPTHUB_DATABASE_URL": url,
            "SCRIPTHUB_REDIS_URL": request.getfixturevalue("redis_url"),
            "SCRIPTHUB_REDIS_KEY_PREFIX": services.unique_redis_prefix(),
        }


@pytest.fixture(params=WIRINGS)
def wiring_environment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    with fresh_databases(request.param, request, tmp_path) as environment:
        yield environment


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
async def mail_api(make_api: Callable[..., Api], smtp_sink: SmtpSink) -> Api:
    """An app that mails through the SMTP sink, with links to `mails.FRONTEND`."""
    return await make_api(  # type: ignore[misc,no-any-return]
        SCRIPTHUB_SMTP_URL=smtp_sink.url(), SCRIPTHUB_FRONTEND_URL=FRONTEND
    )


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured handler writes, in production form, while the test runs."""
    output = io.StringIO()
    root = logging.getLogger()
    level = root.level
    configure_logging(production=True, level="INFO", stream=output)
    yield output
    reset_logging()
    root.setLevel(level)


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


@pytest.fixture(scope="module", params=WIRINGS)
def wiring(request: pytest.FixtureRequest) -> str:
    """The wiring of a module's real servers."""
    return str(request.param)


@pytest.fixture(scope="module")
def server_settings() -> dict[str, str]:
    """What a module's real servers are started with besides their wiring's settings (a
    module overrides this fixture to add some)."""
    return {}


@pytest.fixture(scope="module")
def server(
    wiring: str,
    server_settings: dict[str, str],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """One real `scripthub serve` for all of a module's tests on a wiring (a start costs a
    second or two): the tests share its database, so none may count on a fresh one."""
    directory = tmp_path_factory.mktemp("server")
    with (
        fresh_databases(wiring, request, directory) as environment,
        serving(directory, **environment, **server_settings) as started,
    ):
        yield started


@pytest.fixture
def fresh_environment(
    wiring: str, server_settings: dict[str, str], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """The settings of a real server of this test's own, on a fresh database."""
    with fresh_databases(wiring, request, tmp_path) as environment:
        yield {**environment, **server_settings}


@pytest.fixture
def fresh_server(fresh_environment: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """A real `scripthub serve` of this test's own, for a test that needs the whole database
    to itself (a catalogue holding only its scripts, a change to every user's role)."""
    with serving(tmp_path, **fresh_environment) as started:
        yield started


@pytest.fixture(scope="module")
def server_role_holders(server: Server) -> dict[str, dict[str, Any]]:
    """The role holders of the module's server, made by the first test that asks."""
    return {}


@pytest.fixture
async def served_api(
    server: Server, server_role_holders: dict[str, dict[str, Any]]
) -> AsyncIterator[ServedApi]:
    """The module's real server, through a client of this test's own."""
    async with ServedApi.connected(server, server_role_holders) as api:
        yield api


@pytest.fixture
async def fresh_api(fresh_server: Server) -> AsyncIterator[ServedApi]:
    async with ServedApi.connected(fresh_server) as api:
        yield api
