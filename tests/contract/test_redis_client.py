"""The Redis client the Redis adapters share: a burst waits for connections, never fails, and
a Redis that stops answering fails an operation at its deadline, never hangs it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from scripthub.adapters.redis import RedisLatestCodeStore, errors, redis_client_for
from scripthub.adapters.redis.client import (
    MAX_CONNECTIONS,
    WaitingConnectionPool,
    redis_location,
)
from scripthub.domain.errors import ServiceUnavailableError
from tests.contract.test_latest_code_store import VERSION_1, VERSION_2

if TYPE_CHECKING:
    from tests.freezing_proxy import FreezingProxy

pytestmark = pytest.mark.redis


async def test_a_burst_beyond_the_pool_size_waits_for_connections_instead_of_failing(
    redis_url: str, redis_prefix: str
) -> None:
    client = redis_client_for(redis_url)
    key = f"{redis_prefix}burst"
    try:
        # BLPOP with a short timeout holds its connection, so the burst outnumbers the pool.
        await asyncio.gather(
            *(client.blpop([key], timeout=0.2) for _ in range(3 * MAX_CONNECTIONS))
        )
        assert await client.ping()
    finally:
        await client.aclose()


async def test_a_command_that_waits_too_long_for_a_connection_fails_as_unreachable(
    redis_url: str, redis_prefix: str
) -> None:
    client = Redis.from_pool(
        WaitingConnectionPool.from_url(redis_url, max_connections=2, timeout=0.2)
    )
    key = f"{redis_prefix}held"
    try:
        holders = [asyncio.create_task(client.blpop([key], timeout=1)) for _ in range(2)]
        await asyncio.sleep(0.1)  # both connections are taken

        with pytest.raises(RedisConnectionError, match="No connection available"):
            await client.ping()
        await asyncio.gather(*holders)

        assert await client.ping()  # the waits gave back nothing they did not take
        assert await asyncio.gather(*(client.ping() for _ in range(5))) == [True] * 5
    finally:
        await client.aclose()


async def test_a_redis_that_stops_answering_is_unavailable_at_the_deadline_and_then_answers_right(
    redis_proxy: FreezingProxy, redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    production_deadline = errors.DEADLINE_SECONDS
    monkeypatch.setattr(errors, "DEADLINE_SECONDS", 0.3)
    client = redis_client_for(redis_proxy.route(redis_url))
    store = RedisLatestCodeStore(client, redis_prefix)
    try:
        await store.fill("first", VERSION_1)
        await store.fill("second", VERSION_2)
        with redis_proxy.frozen(at_most=10):
            started = time.monotonic()
            with pytest.raises(ServiceUnavailableError) as frozen:
                await store.read("first", ())
            assert time.monotonic() - started < 2
        assert frozen.value.service.startswith(f"redis://127.0.0.1:{redis_proxy.port}/")
        # A new connection on a loaded machine can take longer than the short deadline the
        # freeze was timed with (the suite once failed here with a second deadline).
        monkeypatch.setattr(errors, "DEADLINE_SECONDS", production_deadline)

        # The reply held back by the freeze reaches no later question: its connection is gone.
        assert [(await store.read(name, ())).latest for name in ("second", "first")] == [
            VERSION_2,
            VERSION_1,
        ]
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:secret@cache.internal/3", "redis://cache.internal:6379/3"),
        ("rediss://ops:secret@[::1]:6380/1?password=other", "rediss://ops@[::1]:6380/1"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=2"),
    ],
)
def test_a_client_names_its_server_without_the_password(url: str, location: str) -> None:
    assert redis_location(redis_client_for(url)) == location


async def test_an_unreachable_redis_is_named_in_the_error_without_its_password(
    redis_prefix: str,
) -> None:
    client = redis_client_for("redis://:secret@127.0.0.1:1/4")
    store = RedisLatestCodeStore(client, redis_prefix)
    try:
        with pytest.raises(ServiceUnavailableError) as unreachable:
            await store.read("first", ())
    finally:
        await client.aclose()

    assert unreachable.value.detail == "cache unavailable"
    assert unreachable.value.service == "redis://127.0.0.1:1/4"
