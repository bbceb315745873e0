"""The Redis client the Redis adapters share: a burst waits for connections, never fails."""

from __future__ import annotations

import asyncio

import pytest

from scripthub.adapters.redis import redis_client_for
from scripthub.adapters.redis.client import MAX_CONNECTIONS

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
