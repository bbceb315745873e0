"""The Redis client the Redis adapters share: a burst waits for connections, never fails."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from scripthub.adapters.redis import redis_client_for
from scripthub.adapters.redis.client import MAX_CONNECTIONS, WaitingConnectionPool

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
