"""Brute-force protection on sign-in: repeated wrong passwords for one account slow down the
client that sends them (429 with a growing Retry-After), never the account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.client import PASSWORD, Api, assert_problem, audited_metadata

WRONG = "not the password"
PROXY = "10.0.0.1"
THROTTLED_METRIC = "scripthub_login_throttled_total "


async def login(api: Api, email: str, password: str, client: str | None = None) -> httpx.Response:
    headers = {"X-Test-Peer": PROXY, "X-Forwarded-For": client} if client else {}
    body = {"email": email, "password": password}
    return await api.client.post("/api/auth/login", json=body, headers=headers)


async def fail(api: Api, email: str, times: int, client: str | None = None) -> None:
    for _ in range(times):
        assert_problem(await login(api, email, WRONG, client), 401, "invalid_credentials")


def assert_throttled(response: httpx.Response, retry_after: int) -> dict[str, Any]:
    problem = assert_problem(response, 429, "rate_limited")
    assert response.headers["retry-after"] == str(retry_after)
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= response.headers.keys()
    return problem


async def throttled_count(api: Api) -> float:
    metrics = (await api.client.get("/metrics")).text
    [row] = [row for row in metrics.splitlines() if row.startswith(THROTTLED_METRIC)]
    return float(row.removeprefix(THROTTLED_METRIC))


async def test_from_the_tenth_failure_that_client_waits_longer_after_each_attempt(
    api: Api,
) -> None:
    email = (await api.register())["user"]["email"]
    counted_before = await throttled_count(api)
    await fail(api, email, 9)

    tenth = await login(api, email, WRONG)
    right_password = await login(api, email, PASSWORD)
    await asyncio.sleep(2.1)
    after_the_block = await login(api, email, WRONG)

    assert_throttled(tenth, 1)
    assert_throttled(right_password, 2)
    assert_throttled(after_the_block, 4)
    assert await throttled_count(api) == counted_before + 3


async def test_an_unknown_email_is_throttled_exactly_like_an_account(api: Api) -> None:
    email = (await api.register())["user"]["email"]
    await fail(api, email, 9)
    await fail(api, "ghost@example.com", 9)

    known = await login(api, email, WRONG)
    unknown = await login(api, "ghost@example.com", WRONG)

    assert assert_throttled(known, 1) == assert_throttled(unknown, 1)


async def test_a_username_is_throttled_exactly_like_an_unknown_one(api: Api) -> None:
    username = (await api.register())["user"]["username"]

    async def by_name(name: str) -> httpx.Response:
        body = {"login": name, "password": WRONG}
        return await api.client.post("/api/auth/login", json=body)

    for name in (username, "nobody"):
        for _ in range(9):
            assert_problem(await by_name(name), 401, "invalid_credentials")

    known = await by_name(username.upper())
    unknown = await by_name("nobody")

    assert assert_throttled(known, 1) == assert_throttled(unknown, 1)


async def test_the_right_password_resets_the_clients_count(api: Api) -> None:
    email = (await api.register())["user"]["email"]
    await fail(api, email, 9)
    assert (await login(api, email, PASSWORD)).status_code == 200

    await fail(api, email, 9)

    assert_throttled(await login(api, email, WRONG), 1)


@pytest.mark.usefixtures("peer_header")
async def test_behind_a_trusted_proxy_only_the_guessing_client_is_held_back(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(SCRIPTHUB_TRUSTED_PROXIES="10.0.0.0/8")  # type: ignore[misc]
    email = (await api.register())["user"]["email"]
    await fail(api, email, 9, client="203.0.113.7")
    await login(api, email, WRONG, client="203.0.113.7")

    guesser = await login(api, email, PASSWORD, client="203.0.113.7")
    owner = await login(api, email, PASSWORD, client="198.51.100.1")

    assert_throttled(guesser, 2)
    assert owner.status_code == 200, owner.text


async def test_the_block_is_audited_when_it_starts(api: Api) -> None:
    admin = await api.admin()
    target = await api.register()
    await fail(api, target["user"]["email"], 9)
    await login(api, target["user"]["email"], WRONG)
    await login(api, target["user"]["email"], PASSWORD)

    response = await api.get(
        "/api/audit-logs", admin["access_token"], params={"action": "auth.login_throttled"}
    )

    [entry] = response.json()["items"]
    assert entry["outcome"] == "denied"
    assert entry["actor_id"] is None
    assert entry["resource_id"] == target["user"]["id"]
    assert audited_metadata(entry) == {"retry_after": 1}
