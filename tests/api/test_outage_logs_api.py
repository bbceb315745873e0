"""A store that goes down is said in the log once per outage, naming the endpoint that met it
and the driver's cause, and so is its end; not once per 503."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.conftest import TEST_ENVIRONMENT

if TYPE_CHECKING:
    from tests.freezing_proxy import FreezingProxy

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ENDPOINT = "GET /api/users/{id_or_username}"


async def test_a_redis_outage_is_logged_once_with_the_endpoint_and_its_end(
    redis_proxy: FreezingProxy,
    redis_url: str,
    redis_prefix: str,
    postgres_database_url: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="scripthub.http")
    # Litestar's logging set-up replaces the root logger's handlers, caplog's among them.
    monkeypatch.setattr(logging.getLogger("scripthub.http"), "handlers", [caplog.handler])
    # ...or keeps it, depending on the logging set-up: each record is captured once either way.
    monkeypatch.setattr(logging.getLogger("scripthub.http"), "propagate", False)
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": postgres_database_url,
        "SCRIPTHUB_REDIS_URL": redis_proxy.route(redis_url),
        "SCRIPTHUB_REDIS_KEY_PREFIX": redis_prefix,
    }
    container = build_container(load_settings(environment, env_file=None))
    async with AsyncTestClient(app=create_app(container)) as client:
        assert (await client.get("/api/users/nobody")).status_code == 404
        with redis_proxy.down():
            answers = [await client.get("/api/users/nobody") for _ in range(20)]
        deadline = time.monotonic() + 10
        while (await client.get("/api/users/nobody")).status_code != 404:
            assert time.monotonic() < deadline, "Redis did not come back"

    outage_lines = [r for r in caplog.records if r.name == "scripthub.http"]
    assert {answer.status_code for answer in answers} == {503}
    [started, ended] = outage_lines
    assert started.levelno == logging.WARNING
    assert "cache unavailable" in started.getMessage()
    # Which Redis, for the operator; never for the client.
    assert f"(redis://127.0.0.1:{redis_proxy.port}/" in started.getMessage()
    assert str(redis_proxy.port) not in answers[0].text
    assert ENDPOINT in started.getMessage()
    assert "Error" in started.getMessage()  # the driver's cause
    assert ended.levelno == logging.INFO
    assert ended.getMessage() == f"cache unavailable is over: {ENDPOINT} answered 404"
