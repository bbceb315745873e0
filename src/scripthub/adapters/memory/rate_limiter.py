"""Fixed-window request counters in process memory."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scripthub.adapters.memory.expiry import ExpiryQueue
from scripthub.application.ports.system import RateLimitState

if TYPE_CHECKING:
    from scripthub.application.ports.system import Clock


@dataclass
class _Window:
    ends_at: datetime
    hits: int = 0


class InMemoryRateLimiter:
    """`RateLimiter` for one process: a window opens at a key's first hit and counts every
    hit (allowed or not) until it ends. Atomic because `hit` never awaits."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._expiry: ExpiryQueue[str] = ExpiryQueue()

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimitState:
        now = self._clock.now()
        self._drop_ended(now)
        window = self._windows.get(key)
        if window is None:
            window = _Window(ends_at=now + timedelta(seconds=window_seconds))
            self._windows[key] = window
            self._expiry.push(window.ends_at, key)
        window.hits += 1
        seconds_left = (window.ends_at - now).total_seconds()
        return RateLimitState(
            allowed=window.hits <= limit,
            limit=limit,
            remaining=max(limit - window.hits, 0),
            reset_after=max(math.ceil(seconds_left), 1),
        )

    def _drop_ended(self, now: datetime) -> None:
        for key in self._expiry.due(now):
            window = self._windows.get(key)
            # The key may already hold a newer window than the one this deadline was for.
            if window is not None and window.ends_at <= now:
                del self._windows[key]
