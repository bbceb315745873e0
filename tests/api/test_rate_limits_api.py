"""Rate-limit budgets by route tier, and the router's own answers (404, 405) counted like any
other /api request, in the limits and in the metrics."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from litestar import delete, get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import AsyncTestClient

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.http.controllers.auth import AuthController
from scripthub.entrypoints.http.rate_limits import (
    CREDENTIALS,
    TIER_OPTION,
    RateLimitTier,
    declared_tiers,
)
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api, assert_problem, bearer
from tests.api.conftest import round_trips_counted
from tests.contract.test_permission_cache import CountingConnection

CREDENTIAL_ROUTES = {
    "POST /api/auth/register",
    "POST /api/auth/login",
    "POST /api/auth/password/forgot",
    "POST /api/auth/password/reset",
    "POST /api/auth/verify-email/resend",
    "POST /api/auth/password/change",
    "GET /api/auth/{provider}",
    "GET /api/auth/{provider}/callback",
    "POST /api/auth/oauth/exchange",
    "POST /api/users/me/email",
    "POST /api/users/me/email/confirm",
}
OTHER_AUTH_ROUTES = {
    "POST /api/auth/refresh",
    "POST /api/auth/logout",
    "POST /api/auth/logout-all",
    "GET /api/auth/sessions",
    "DELETE /api/auth/sessions/{session_id}",
    "POST /api/auth/verify-email",
}
FRONTEND = {"Origin": "http://localhost:3000"}


def remaining(response: httpx.Response) -> str:
    return response.headers["ratelimit-remaining"]


async def test_the_routers_404s_and_405s_spend_the_api_budget(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="3/60")  # type: ignore[misc]

    unknown_path = await api.client.get("/api/nothing-here")
    unknown_method = await api.client.put("/api/auth/login", json={})
    odd_method = await api.client.request("BREW", "/api/nothing-here")
    over_path = await api.client.get("/api/nothing-here")
    over_method = await api.client.put("/api/auth/login", json={})

    assert_problem(unknown_path, 404, "not_found")
    assert_problem(unknown_method, 405, "method_not_allowed")
    assert unknown_path.headers["ratelimit-limit"] == "3"
    counted = (unknown_path, unknown_method, odd_method)
    assert [remaining(response) for response in counted] == ["2", "1", "0"]
    for refused in (over_path, over_method):
        assert_problem(refused, 429, "rate_limited")
        assert remaining(refused) == "0"
        assert 0 < int(refused.headers["retry-after"]) <= 60
    assert (await api.client.get("/health/live")).status_code == 200


async def test_a_refused_router_answer_keeps_its_cors_headers(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="1/60")  # type: ignore[misc]

    await api.client.get("/api/nothing-here", headers=FRONTEND)
    refused = await api.client.get("/api/nothing-here", headers=FRONTEND)

    assert_problem(refused, 429, "rate_limited")
    assert refused.headers["access-control-allow-origin"] == FRONTEND["Origin"]
    assert "RateLimit-Remaining" in refused.headers["access-control-expose-headers"]


async def test_cors_preflights_spend_no_budget(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="1/60")  # type: ignore[misc]
    preflight = {**FRONTEND, "Access-Control-Request-Method": "GET"}

    answers = [await api.client.options("/api/nothing-here", headers=preflight) for _ in range(3)]
    counted = await api.client.get("/api/nothing-here")

    assert [answer.status_code for answer in answers] == [204, 204, 204]
    assert "ratelimit-remaining" not in answers[0].headers
    assert counted.status_code == 404
    assert remaining(counted) == "0"


async def test_a_dead_limiter_store_is_a_503_for_the_routers_answers_too(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(SCRIPTHUB_REDIS_URL="redis://127.0.0.1:1/0")  # type: ignore[misc]

    for response in (
        await api.client.get("/api/nothing-here"),
        await api.client.put("/api/auth/login", json={}),
    ):
        assert_problem(response, 503, "service_unavailable")
        assert "ratelimit-remaining" not in response.headers


async def test_metrics_count_the_routers_404s_and_405s(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="3/60")  # type: ignore[misc]
    before = (await api.client.get("/metrics")).text

    await api.client.get("/api/nothing-here")
    await api.client.put("/api/auth/login", json={})
    await api.client.request("BREW", "/api/nothing-here")
    await api.client.get("/api/nothing-here")
    after = (await api.client.get("/metrics")).text

    for method, status in (("GET", 404), ("PUT", 405), ("other", 404), ("GET", 429)):
        assert (
            requests_counted(after, method, status) == requests_counted(before, method, status) + 1
        ), (method, status)


def requests_counted(metrics: str, method: str, status: int) -> float:
    labels = f'method="{method}",route="unmatched",status="{status}"'
    prefix = f"scripthub_http_requests_total{{{labels}}} "
    rows = [row for row in metrics.splitlines() if row.startswith(prefix)]
    return float(rows[0].removeprefix(prefix)) if rows else 0.0


async def test_a_route_with_the_credentials_tier_gets_its_budget_whatever_its_method_and_path(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_AUTH="2/60")  # type: ignore[misc]

    @get("/api/test/tiered", opt=CREDENTIALS, sync_to_thread=False)
    def tiered_get() -> dict[str, bool]:
        return {"ok": True}

    @delete("/api/test/elsewhere", opt=CREDENTIALS, sync_to_thread=False)
    def tiered_delete() -> None:
        return None

    api.client.app.register(tiered_get)
    api.client.app.register(tiered_delete)

    first = await api.client.get("/api/test/tiered")
    second = await api.client.delete("/api/test/elsewhere")
    third = await api.client.get("/api/test/tiered")
    untiered = await api.client.get("/api/users/nobody")

    assert first.status_code == 200
    assert first.headers["ratelimit-limit"] == "2"
    assert second.status_code == 204
    assert remaining(second) == "0"
    assert_problem(third, 429, "rate_limited")
    assert untiered.status_code == 404
    assert untiered.headers["ratelimit-limit"] == "10000"


async def test_a_post_without_a_tier_gets_only_the_api_budget(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(  # type: ignore[misc]
        SCRIPTHUB_RATE_LIMIT_AUTH="1/60", SCRIPTHUB_RATE_LIMIT_API="50/60"
    )

    answers = [
        await api.client.post("/api/auth/refresh", json={"refresh_token": "nope"}) for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert {answer.headers["ratelimit-limit"] for answer in answers} == {"50"}
    assert [remaining(answer) for answer in answers] == ["49", "48", "47"]


async def test_every_credential_route_declares_the_credentials_tier(api: Api) -> None:
    tiers = declared_tiers(api.client.app)
    auth_routes = {
        f"{method} {route.path_format}"
        for route in api.client.app.routes
        if route.path_format.startswith("/api/auth")
        for method in getattr(route, "methods", ())
        if method != "OPTIONS"
    }

    # A new /api/auth route fails here until it is listed as a credential route or not.
    credential_auth_routes = {route for route in CREDENTIAL_ROUTES if " /api/auth" in route}
    assert auth_routes == credential_auth_routes | OTHER_AUTH_ROUTES
    assert {route for route, tier in tiers.items() if tier is RateLimitTier.CREDENTIALS} == (
        CREDENTIAL_ROUTES
    )


def test_an_unknown_tier_stops_the_app_at_start_up(
    wiring_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(AuthController.login.opt, TIER_OPTION, "credential")
    container = build_container(load_settings(wiring_environment, env_file=None))

    with pytest.raises(ImproperlyConfiguredException, match="'credential'"):
        create_app(container)


async def test_an_authenticated_request_is_counted_once(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="6/60")  # type: ignore[misc]
    pair = await api.register()  # the first of six
    token = pair["access_token"]

    reads = [await api.get("/api/users/me", token) for _ in range(2)]
    bad_token = await api.get("/api/users/me", token + "x")
    await api.client.post("/api/auth/logout", headers=bearer(token))
    ended = await api.get("/api/users/me", token)
    over = await api.get("/api/users/me", token)

    assert [r.status_code for r in reads] == [200, 200]
    assert [remaining(r) for r in reads] == ["4", "3"]
    assert_problem(bad_token, 401, "invalid_token")
    assert remaining(bad_token) == "2"
    assert_problem(ended, 401, "session_revoked")
    assert remaining(ended) == "0"  # the logout took the one between
    assert_problem(over, 429, "rate_limited")


@pytest.mark.postgres
@pytest.mark.redis
async def test_an_authenticated_read_makes_one_redis_round_trip(
    postgres_database_url: str, redis_url: str, redis_prefix: str
) -> None:
    container = round_trips_counted(postgres_database_url, redis_url, redis_prefix)
    async with AsyncTestClient(app=create_app(container)) as client:
        api = Api(client, container)
        token = (await api.register())["access_token"]
        await api.get("/api/users/me", token)  # warm: connections open, grants cached
        CountingConnection.writes = 0

        answer = await api.get("/api/users/me", token)

        assert answer.status_code == 200
        assert remaining(answer) == "9997"
        assert CountingConnection.writes == 1
