"""`OwnUserLane` answers GET /api/users/me below Litestar: every request it takes must be
answered, counted and logged as the route answers, counts and logs it (each request below
is sent twice, once with the lanes switched off); requests from pages and other methods go
on to the route."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import pytest

from scripthub.entrypoints.http.controllers.users import OwnUserLane
from scripthub.entrypoints.http.lanes import Lanes
from tests.api.client import Api, assert_problem, bearer
from tests.api.test_request_logs_api import lines_of

ME = "/api/users/me"
DIFFERING = {"date", "x-request-id", "ratelimit-remaining", "ratelimit-reset"}
"""What two answers to the same request differ in, whoever gives them."""
LOG_DIFFERING = {"timestamp", "duration_ms", "request_id"}


def _answer_of(response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in DIFFERING]
    return response.status_code, headers, response.content


def access_lines(output: io.StringIO) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in line.items() if k not in LOG_DIFFERING}
        for line in lines_of(output)
        if line["logger"] == "scripthub.access"
    ]


@contextmanager
def lane_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether `OwnUserLane` answered each request it was handed meanwhile."""
    answered: list[bool] = []
    call = OwnUserLane.__call__

    async def recorded(self: OwnUserLane, *args: Any) -> bool:
        took = await call(self, *args)
        answered.append(took)
        return took

    with monkeypatch.context() as patch:
        patch.setattr(OwnUserLane, "__call__", recorded)
        yield answered


@contextmanager
def through_litestar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every request goes on to the app, as if no route had a lane."""
    with monkeypatch.context() as patch:
        patch.setattr(Lanes, "_routed", lambda _, __: None)
        yield


async def both_ways(
    api: Api, monkeypatch: pytest.MonkeyPatch, method: str, headers: dict[str, str]
) -> tuple[Any, Any]:
    laned = await api.send(method, ME, headers=headers)
    with through_litestar(monkeypatch):
        routed = await api.send(method, ME, headers=headers)
    return laned, routed


async def test_the_own_user_lane_answers_and_logs_as_the_route_does(
    api: Api, monkeypatch: pytest.MonkeyPatch, log_output: io.StringIO
) -> None:
    pair = await api.register()
    profile = {"profile": {"full_name": "Lane Tester", "date_of_birth": "1990-02-03"}}
    assert (await api.send("PATCH", ME, pair["access_token"], json=profile)).status_code == 200
    signed_out = await api.register()
    assert (
        await api.send("POST", "/api/auth/logout", signed_out["access_token"])
    ).status_code == 204
    deleted = await api.register()
    gone = await api.send(
        "DELETE", ME, deleted["access_token"], json={"password": deleted["password"]}
    )
    assert gone.status_code == 204, gone.text
    claims = {"sub": pair["user"]["id"], "sid": "x"}
    forged = jwt.encode(claims, "not-our-key-" * 4, algorithm="HS256")
    requests = [
        bearer(pair["access_token"]),
        {**bearer(pair["access_token"]), "If-None-Match": "*", "Accept": "text/plain"},
        {"Authorization": f"bearer  {pair['access_token']} "},
        bearer(signed_out["access_token"]),
        bearer(deleted["access_token"]),
        bearer(forged),
        bearer("not-a-token"),
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {pair['access_token']}"},
        {},
    ]
    log_output.seek(0)
    log_output.truncate()

    with lane_answers(monkeypatch) as by_lane:
        answers = [await both_ways(api, monkeypatch, "GET", headers) for headers in requests]
    lines = access_lines(log_output)

    for headers, (laned, routed) in zip(requests, answers, strict=True):
        assert _answer_of(laned) == _answer_of(routed), headers
        assert laned.headers["ratelimit-limit"] == "10000"
        assert (
            int(laned.headers["ratelimit-remaining"])
            == int(routed.headers["ratelimit-remaining"]) + 1
        )
    assert by_lane == [True] * len(requests)
    assert lines[0::2] == lines[1::2]
    assert [line["route"] for line in lines] == [ME] * 2 * len(requests)
    assert lines[0]["user_id"] == pair["user"]["id"]
    statuses = [laned.status_code for laned, _ in answers]
    assert statuses == [200, 200, 200, 401, 401, 401, 401, 401, 401, 401]
    assert answers[0][0].json()["profile"]["full_name"] == "Lane Tester"
    assert_problem(answers[3][0], 401, "session_revoked")
    assert answers[9][0].headers["www-authenticate"] == 'Bearer realm="scripthub"'


async def test_the_own_user_lane_refuses_as_the_route_does_over_the_budget(
    make_api: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    api: Api = await make_api(SCRIPTHUB_RATE_LIMIT_API="3/60")
    token = (await api.register())["access_token"]  # one of the three
    assert (await api.get(ME, token)).status_code == 200  # two: the lane's
    with through_litestar(monkeypatch):
        assert (await api.get(ME, token)).status_code == 200  # three: the route's

    with lane_answers(monkeypatch) as by_lane:
        laned, routed = await both_ways(api, monkeypatch, "GET", bearer(token))

    assert_problem(laned, 429, "rate_limited")
    retry_after = [int(answer.headers.pop("retry-after")) for answer in (laned, routed)]
    assert _answer_of(laned) == _answer_of(routed)
    assert laned.headers["ratelimit-remaining"] == routed.headers["ratelimit-remaining"] == "0"
    assert all(1 <= seconds <= 60 for seconds in retry_after)
    assert by_lane == [True]


async def test_pages_and_other_methods_go_on_to_the_route(
    make_api: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = "https://app.example"
    api: Api = await make_api(SCRIPTHUB_CORS_ORIGINS=page)
    token = (await api.register())["access_token"]

    with lane_answers(monkeypatch) as by_lane:
        from_page = await api.send("GET", ME, token, headers={"Origin": page})
        head = await api.send("HEAD", ME, token)
        patched = await api.send("PATCH", ME, token, json={"profile": {"bio": "hi"}})
        permissions = await api.get(f"{ME}/permissions", token)
        odd_host, routed_odd_host = await both_ways(
            api, monkeypatch, "GET", {**bearer(token), "Host": "odd_host!"}
        )

    assert by_lane == []
    assert _answer_of(odd_host) == _answer_of(routed_odd_host)
    assert from_page.status_code == 200
    assert from_page.headers["access-control-allow-origin"] == page
    assert head.status_code == 405
    assert patched.status_code == 200
    assert permissions.status_code == 200


async def test_with_redis_down_the_lane_answers_the_routes_503(
    make_api: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer: Api = await make_api()
    if writer.container.settings().cache_backend != "redis":
        pytest.skip("the embedded wiring has no Redis to lose")
    token = (await writer.register())["access_token"]
    reader: Api = await make_api(SCRIPTHUB_REDIS_URL="redis://127.0.0.1:1/0")

    with lane_answers(monkeypatch) as by_lane:
        laned, routed = await both_ways(reader, monkeypatch, "GET", bearer(token))

    assert_problem(laned, 503, "service_unavailable")
    assert _answer_of(laned) == _answer_of(routed)
    assert by_lane == [True]
