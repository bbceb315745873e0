"""The latest version's validators per script in Redis, read in the same MULTI block as the
request's rate counters: an update check answered 304 costs one round trip and no SQL."""

from __future__ import annotations

import functools
import uuid
from typing import TYPE_CHECKING

from scripthub.adapters.redis.codec import from_epoch, span_ms, text, to_epoch
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.adapters.redis.rate_limiter import RateCounters
from scripthub.application.ports.latest_code import (
    FILL_FENCE,
    LATEST_CODE_TTL,
    CachedLatestCode,
    CodeValidators,
)
from scripthub.domain.scripts import Visibility

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import timedelta

    from redis.asyncio import Redis

    from scripthub.application.ports.system import RateCharge

_FENCE = ""
_FIELDS = 5
"""What `changed` leaves: it stops fills, and reads as a miss."""


def _encode(latest: CodeValidators) -> str:
    return "\n".join(
        (
            str(latest.script_id),
            latest.visibility,
            latest.sha256,
            to_epoch(latest.created_at),
            latest.served_as,
        )
    )


# Update checks read the same few entries over and over: each is decoded once while in use.
@functools.lru_cache(maxsize=4096)
def _decode(value: bytes | str | None) -> CodeValidators | None:
    if value is None or not (entry := text(value)):
        return None
    fields = entry.split("\n")
    if len(fields) != _FIELDS:  # written by an older release: a miss until it runs out
        return None
    script_id, visibility, sha256, created_at, served_as = fields
    return CodeValidators(
        uuid.UUID(script_id), Visibility(visibility), sha256, from_epoch(created_at), served_as
    )


class RedisLatestCodeStore:
    """`LatestCodeStore` on Redis, sharing the rate counters of a `RedisRateLimiter` with the
    same client and `prefix`: one string per name, expiring after `ttl` (a fence: empty,
    after `fence`)."""

    def __init__(
        self,
        client: Redis,
        prefix: str = "scripthub:",
        ttl: timedelta = LATEST_CODE_TTL,
        fence: timedelta = FILL_FENCE,
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}latest_code:"
        self._counters = RateCounters(prefix)
        self._ttl_ms = span_ms(ttl)
        self._fence_ms = span_ms(fence)

    def _key(self, name: str) -> str:
        return f"{self._prefix}{name}"

    @cache_unavailable_as_503
    async def read(self, name: str, charges: Sequence[RateCharge]) -> CachedLatestCode:
        if not charges:
            return CachedLatestCode(_decode(await self._client.get(self._key(name))))
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.get(self._key(name))
            for charge in charges:
                self._counters.queue_hit(pipe, charge)
            entry, *counted = await pipe.execute()
        return CachedLatestCode(_decode(entry), self._counters.tightest(charges, counted))

    @cache_unavailable_as_503
    async def fill(self, name: str, latest: CodeValidators) -> None:
        await self._client.set(self._key(name), _encode(latest), px=self._ttl_ms, nx=True)

    @cache_unavailable_as_503
    async def changed(self, names: Collection[str]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.set(self._key(name), _FENCE, px=self._fence_ms)
            await pipe.execute()
