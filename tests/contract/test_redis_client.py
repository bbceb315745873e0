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
from scripthub.adapters.redis.client import MAX_CONNECTIONS, WaitingConnectionPool
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
    monkeypatch.setattr(errors, "DEADLINE_SECONDS", 0.3)
    client = redis_client_for(redis_proxy.route(redis_url))
    store = RedisLatestCodeStore(client, redis_prefix)
    try:
        await store.fill("first", VERSION_1)
        await store.fill("second", VERSION_2)
        with redis_proxy.frozen(at_most=10):
            started = time.monotonic()
            with pytest.raises(ServiceUnavailableError):
                await store.read("first", None)
            assert time.monotonic() - started < 2

        # The reply held back by the freeze reaches no later question: its connection is gone.
        assert [(await store.read(name, None)).latest for name in ("second", "first")] == [
            VERSION_2,
            VERSION_1,
        ]
    finally:
        await client.aclose()
