"""Time, rate limits and health: the small ports every use case may need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scripthub.domain.errors import RateLimitedError


class Clock(Protocol):
    """Where use cases get the time, so tests can set it."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


@dataclass(frozen=True)
class RateLimitState:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int
    """Seconds until the current window ends."""

    @staticmethod
    def tightest(states: Sequence[RateLimitState]) -> RateLimitState:
        """The budget a request counted against all of `states` is answered with: the refusal
        that lasts longest, else the budget with the fewest requests left."""
        refused = [s for s in states if not s.allowed]
        if refused:
            return max(refused, key=lambda s: s.reset_after)
        return min(states, key=lambda s: (s.remaining, -s.reset_after))


@dataclass(frozen=True)
class RateCharge:
    """One request to count against `key`'s budget of `limit` per fixed window."""

    key: str
    limit: int
    window_seconds: int


class RateBudgetSpentError(RateLimitedError):
    """A request counted over its budget: refused before any work, with the budget's state
    (for the `RateLimit-*` headers of the refusal)."""

    def __init__(self, state: RateLimitState) -> None:
        super().__init__(state.reset_after)
        self.state = state


class RateLimiter(Protocol):
    """Fixed-window counters shared by every process using the same store."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimitState:
        """Count one request against `key` in a fixed window, atomically across processes."""


class HealthProbe(Protocol):
    """Whether a backing service (database, cache) answers, for /health/ready."""

    async def healthy(self) -> bool:
        """True if the backing service answers; never raises."""
