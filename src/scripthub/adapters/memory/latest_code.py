"""The latest version's validators per script in process memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripthub.adapters.memory.expiry import ExpiryQueue
from scripthub.application.ports.latest_code import (
    FILL_FENCE,
    LATEST_CODE_TTL,
    CachedLatestCode,
    CodeValidators,
)
from scripthub.application.ports.system import RateLimitState

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime, timedelta

    from scripthub.application.ports.system import Clock, RateCharge, RateLimiter


@dataclass(frozen=True)
class _Entry:
    latest: CodeValidators | None
    """None: a fence left by a change."""
    expires_at: datetime


class InMemoryLatestCodeStore:
    """`LatestCodeStore` for one process, counting requests with the process's `RateLimiter`.
    Atomic because no method awaits between reading and writing an entry."""

    def __init__(
        self,
        limiter: RateLimiter,
        clock: Clock,
        ttl: timedelta = LATEST_CODE_TTL,
        fence: timedelta = FILL_FENCE,
    ) -> None:
        self._limiter = limiter
        self._clock = clock
        self._ttl = ttl
        self._fence = fence
        self._entries: dict[str, _Entry] = {}
        self._expiry: ExpiryQueue[str] = ExpiryQueue()

    async def read(self, name: str, charges: Sequence[RateCharge]) -> CachedLatestCode:
        states = [await self._limiter.hit(c.key, c.limit, c.window_seconds) for c in charges]
        rate = RateLimitState.tightest(states) if states else None
        entry = self._live_entries().get(name)
        return CachedLatestCode(entry.latest if entry else None, rate)

    async def fill(self, name: str, latest: CodeValidators) -> None:
        if name not in self._live_entries():
            self._put(name, latest, self._ttl)

    async def changed(self, names: Collection[str]) -> None:
        for name in names:
            self._put(name, None, self._fence)

    def _put(self, name: str, latest: CodeValidators | None, lifetime: timedelta) -> None:
        expires_at = self._clock.now() + lifetime
        self._entries[name] = _Entry(latest, expires_at)
        self._expiry.push(expires_at, name)

    def _live_entries(self) -> dict[str, _Entry]:
        now = self._clock.now()
        for name in self._expiry.due(now):
            entry = self._entries.get(name)
            # The name may hold a newer entry than the one this deadline was for.
            if entry is not None and entry.expires_at <= now:
                del self._entries[name]
        return self._entries
