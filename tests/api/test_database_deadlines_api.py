"""The app on PostgreSQL + Redis while PostgreSQL stops answering: a 503 within seconds, and
service again once the server is back (the stuck connections were dropped)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api, assert_problem
from tests.api.conftest import TEST_ENVIRONMENT

if TYPE_CHECKING:
    from tests.freezing_proxy import FreezingProxy

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DEADLINE_S = 6.5
"""The database's deadlines are 5 s; the rest is slack."""


async def test_a_frozen_database_is_a_quick_503_and_the_app_recovers(
    postgres_proxy: FreezingProxy,
    postgres_database_url: str,
    redis_url: str,
    redis_prefix: str,
) -> None:
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": postgres_proxy.route(postgres_database_url),
        "SCRIPTHUB_REDIS_URL": redis_url,
        "SCRIPTHUB_REDIS_KEY_PREFIX": redis_prefix,
    }
    container = build_container(load_settings(environment, env_file=None))
    async with AsyncTestClient(app=create_app(container)) as client:
        api = Api(client, container)
        token = (await api.register())["access_token"]

        # The test client cannot be cancelled: without the deadlines this request would
        # answer once the proxy thaws by itself, too late.
        with postgres_proxy.frozen(at_most=2 * DEADLINE_S):
            started = time.monotonic()
            frozen = await api.get("/api/users/me", token)
            elapsed = time.monotonic() - started

        assert_problem(frozen, 503, "service_unavailable")
        assert elapsed < DEADLINE_S
        for _ in range(3):
            assert (await api.get("/api/users/me", token)).status_code == 200
