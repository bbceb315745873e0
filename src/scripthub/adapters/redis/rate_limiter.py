"""Fixed-window request counters in Redis, shared by every process and host."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.system import RateCharge, RateLimitState

if TYPE_CHECKING:
    from collections.abc import Sequence

    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline

_REPLIES_PER_HIT = 3


class RateCounters:
    """The counters under `prefix`, and the three commands that count one hit: INCR, PEXPIRE
    NX (the first hit opens the window) and PTTL. Queued in a MULTI block, so a counter can
    never be left without an expiry."""

    def __init__(self, prefix: str) -> None:
        self._prefix = f"{prefix}rate:"

    def queue_hit(self, pipe: Pipeline, charge: RateCharge) -> None:
        counter = f"{self._prefix}{charge.key}"
        pipe.incr(counter)
        pipe.pexpire(counter, charge.window_seconds * 1000, nx=True)
        pipe.pttl(counter)

    @staticmethod
    def state(charge: RateCharge, replies: list[Any]) -> RateLimitState:
        """The budget from the three replies of `queue_hit`."""
        hits, _, ttl_ms = replies
        return RateLimitState(
            allowed=hits <= charge.limit,
            limit=charge.limit,
            remaining=max(charge.limit - hits, 0),
            reset_after=max(math.ceil(ttl_ms / 1000), 1),
        )

    @classmethod
    def states(cls, charges: Sequence[RateCharge], replies: list[Any]) -> list[RateLimitState]:
        """The budget of each of `charges` from the replies of `queue_hit` for each, in turn."""
        per_hit = _REPLIES_PER_HIT
        return [
            cls.state(charge, replies[i * per_hit : (i + 1) * per_hit])
            for i, charge in enumerate(charges)
        ]

    @classmethod
    def tightest(cls, charges: Sequence[RateCharge], replies: list[Any]) -> RateLimitState:
        """The tightest budget from the replies of `queue_hit` for each of `charges`, in turn."""
        return RateLimitState.tightest(cls.states(charges, replies))


class RedisRateLimiter:
    """`RateLimiter` on Redis: a counter per key that opens its window at the first hit."""

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self._counters = RateCounters(prefix)

    @cache_unavailable_as_503
    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimitState:
        charge = RateCharge(key, limit, window_seconds)
        async with self._client.pipeline(transaction=True) as pipe:
            self._counters.queue_hit(pipe, charge)
            replies = await pipe.execute()
        return self._counters.state(charge, replies)
