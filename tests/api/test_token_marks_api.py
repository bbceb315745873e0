"""A request made with a personal access token reads its token's mark on the request's one
Redis round trip, not its row: each process keeps the token once read, and the shared mark
says whether it was revoked since (`AccessTokenMarks`). Revocations on any process are seen on
the next request of every other; without a mark, the database decides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
from litestar.testing import AsyncTestClient

from scripthub.adapters.redis import RedisAccessTokenMarks
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.http.app import create_app
from tests.api.client import Api, assert_problem
from tests.api.conftest import round_trips_counted
from tests.api.token_calls import make_token
from tests.contract.test_permission_cache import CountingConnection

ROUNDS = 20


async def test_a_revocation_on_one_process_refuses_the_token_on_another_that_used_it(
    make_api: Callable[..., Any],
) -> None:
    one: Api = await make_api()
    other: Api = await make_api()
    pair = await one.verified_user()
    kept, revoked = [await make_token(one, pair["access_token"]) for _ in range(2)]

    used = [await other.get("/api/users/me", t["secret"]) for t in (kept, revoked)]
    deleted = await one.send(
        "DELETE", f"/api/users/me/tokens/{revoked['id']}", pair["access_token"]
    )

    assert [answer.status_code for answer in used] == [200, 200]
    assert deleted.status_code == 204, deleted.text
    assert_problem(await other.get("/api/users/me", revoked["secret"]), 401, "invalid_token")
    assert (await other.get("/api/users/me", kept["secret"])).status_code == 200


async def test_a_suspension_on_one_process_refuses_the_tokens_on_another_that_used_them(
    make_api: Callable[..., Any],
) -> None:
    one: Api = await make_api()
    other: Api = await make_api()
    pair = await one.verified_user()
    secret = (await make_token(one, pair["access_token"]))["secret"]
    admin = (await one.role_holder("admin"))["access_token"]

    used = await other.get("/api/users/me", secret)
    suspended = await one.send(
        "PATCH",
        f"/api/users/{pair['user']['id']}/status",
        admin,
        json={"account_status": "suspended"},
    )

    assert used.status_code == 200, used.text
    assert suspended.status_code == 200, suspended.text
    assert_problem(await other.get("/api/users/me", secret), 401, "invalid_token")


async def test_uses_racing_a_revocation_are_refused_once_it_is_answered(api: Api) -> None:
    pair = await api.verified_user()
    for _ in range(ROUNDS):
        token = await make_token(api, pair["access_token"])
        path = f"/api/users/me/tokens/{token['id']}"
        assert (await api.get("/api/users/me", token["secret"])).status_code == 200

        *during, revoked = await asyncio.gather(
            *(api.get("/api/users/me", token["secret"]) for _ in range(5)),
            api.send("DELETE", path, pair["access_token"]),
        )
        after = await api.get("/api/users/me", token["secret"])

        assert revoked.status_code == 204, revoked.text
        assert {answer.status_code for answer in during} <= {200, 401}
        assert_problem(after, 401, "invalid_token")
    listed = await api.get("/api/users/me/tokens", pair["access_token"])
    assert listed.json()["items"] == []


@pytest.fixture
async def redis_api(
    postgres_database_url: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[Api, aioredis.Redis, asyncpg.Connection]]:
    """The production wiring whose Redis round trips are counted, with a Redis client and a
    database connection of the test's own (the app runs on the test client's loop)."""
    container = round_trips_counted(postgres_database_url, redis_url, redis_prefix)
    redis = aioredis.Redis.from_url(redis_url)
    database = await asyncpg.connect(postgres_database_url.replace("+asyncpg", ""))
    try:
        async with AsyncTestClient(app=create_app(container)) as client:
            yield Api(client, container), redis, database
    finally:
        await database.close()
        async for key in redis.scan_iter(match=f"{redis_prefix}*"):
            await redis.delete(key)
        await redis.aclose()


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_token_read_makes_one_redis_round_trip_and_the_mark_decides(
    redis_api: tuple[Api, aioredis.Redis, asyncpg.Connection], redis_prefix: str
) -> None:
    api, redis, database = redis_api
    pair = await api.verified_user()
    token = await make_token(api, pair["access_token"])
    await api.get("/api/users/me", token["secret"])  # warm: read, marked, grants cached
    CountingConnection.writes = 0

    warm = await api.get("/api/users/me", token["secret"])
    round_trips = CountingConnection.writes
    # Revoked behind the app's back: the live mark, not the row, answers while it lasts;
    # once the mark is gone (a store restart), the row decides.
    await database.execute("UPDATE access_tokens SET revoked_at = now() WHERE id = $1", token["id"])
    while_marked = await api.get("/api/users/me", token["secret"])
    await redis.delete(f"{redis_prefix}token_mark:{token['id']}")
    unmarked = await api.get("/api/users/me", token["secret"])

    assert warm.status_code == 200, warm.text
    assert round_trips == 1
    assert while_marked.status_code == 200
    assert_problem(unmarked, 401, "invalid_token")


@pytest.mark.postgres
@pytest.mark.redis
async def test_lost_marks_keep_live_tokens_working_and_revoked_ones_refused(
    redis_api: tuple[Api, aioredis.Redis, asyncpg.Connection], redis_prefix: str
) -> None:
    api, redis, _ = redis_api
    pair = await api.verified_user()
    live, revoked = [await make_token(api, pair["access_token"]) for _ in range(2)]
    for token in (live, revoked):
        assert (await api.get("/api/users/me", token["secret"])).status_code == 200
    await api.send("DELETE", f"/api/users/me/tokens/{revoked['id']}", pair["access_token"])

    async for key in redis.scan_iter(match=f"{redis_prefix}token_mark:*"):
        await redis.delete(key)

    assert (await api.get("/api/users/me", live["secret"])).status_code == 200
    assert await redis.get(f"{redis_prefix}token_mark:{live['id']}") == b"live"
    assert_problem(await api.get("/api/users/me", revoked["secret"]), 401, "invalid_token")
    assert await redis.get(f"{redis_prefix}token_mark:{revoked['id']}") is None


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_revocation_that_fails_after_marking_leaves_the_token_working(
    redis_api: tuple[Api, aioredis.Redis, asyncpg.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _, _ = redis_api
    pair = await api.verified_user()
    token = await make_token(api, pair["access_token"])
    assert (await api.get("/api/users/me", token["secret"])).status_code == 200
    mark_revoked = RedisAccessTokenMarks.mark_revoked

    async def marked_then_failing(marks: RedisAccessTokenMarks, tokens: Any) -> None:
        await mark_revoked(marks, tokens)
        raise ServiceUnavailableError("the store failed after the mark")

    with monkeypatch.context() as patched:
        patched.setattr(RedisAccessTokenMarks, "mark_revoked", marked_then_failing)
        failed = await api.send(
            "DELETE", f"/api/users/me/tokens/{token['id']}", pair["access_token"]
        )
    listed = await api.get("/api/users/me/tokens", pair["access_token"])
    used = [await api.get("/api/users/me", token["secret"]) for _ in range(2)]

    assert_problem(failed, 503, "service_unavailable")
    assert [item["id"] for item in listed.json()["items"]] == [token["id"]]
    assert [answer.status_code for answer in used] == [200, 200]
