"""Fixed-window request counters in Redis, shared by every process and host."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.system import RateLimitState

if TYPE_CHECKING:
    from redis.asyncio import Redis


class RedisRateLimiter:
    """`RateLimiter` on Redis: a counter per key that opens its window at the first hit.

    INCR, PEXPIRE NX and PTTL run in one MULTI block, so the counter can never be left
    without an expiry and every process sees the same window.
    """

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self._prefix = f"{prefix}rate:"

    @cache_unavailable_as_503
    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimitState:
        counter = f"{self._prefix}{key}"
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.pexpire(counter, window_seconds * 1000, nx=True)
            pipe.pttl(counter)
            hits, _, ttl_ms = await pipe.execute()
        return RateLimitState(
            allowed=hits <= limit,
            limit=limit,
            remaining=max(limit - hits, 0),
            reset_after=max(math.ceil(ttl_ms / 1000), 1),
        )
