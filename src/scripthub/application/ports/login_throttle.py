"""Failed sign-ins counted per client and account, to slow password guessing down."""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class ThrottlePolicy:
    """When a client must wait before trying one account's password again.

    Failures are counted from the first one for `window`; the `threshold`th failure in that
    window blocks the client for `first_delay`, and each further failure doubles the block, up
    to `max_delay`. From the threshold on, the count lives until `window` after the latest
    failure, so a patient guesser stays at the longest block instead of starting over.
    """

    threshold: int = 10
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        # A block must never outlive the count that caused it.
        if (
            self.threshold < 1
            or not timedelta(0) < self.first_delay <= self.max_delay <= self.window
        ):
            msg = "need threshold >= 1 and 0 < first_delay <= max_delay <= window"
            raise ValueError(msg)

    @functools.cached_property
    def ladder(self) -> tuple[timedelta, ...]:
        """The blocks that the threshold-th failure and each one after it start, until the
        longest, which every later failure starts again."""
        delays = [self.first_delay]
        while delays[-1] < self.max_delay:
            delays.append(min(delays[-1] * 2, self.max_delay))
        return tuple(delays)

    def delay_after(self, failures: int) -> timedelta:
        """The block that the `failures`th failure in a row starts (zero below the threshold)."""
        if failures < self.threshold:
            return timedelta(0)
        return self.ladder[min(failures - self.threshold, len(self.ladder) - 1)]


def whole_seconds(delay: timedelta) -> int:
    """A wait as `Retry-After` states it: whole seconds, rounded up, at least 1."""
    return max(math.ceil(delay.total_seconds()), 1)


def subject_key(client: str, subject: str) -> str:
    """A fixed-size name for one (client, subject) pair that holds no email in clear: stores
    keep it however long the email a guesser sends."""
    return hashlib.sha256(f"{client}\n{subject}".encode()).hexdigest()


class LoginThrottle(Protocol):
    """Failed password checks per (client IP, subject), shared by every process of the store.

    The subject is what a guesser aims at: the username or email as sent, with the password it
    was tried against (`LogIn` decides). Keyed by that name, not the account, so an unknown
    name is throttled exactly like a known one. Only the client that failed is blocked: the
    account itself is never locked. Times are the caller's `now`, so the count expires with the
    application's clock.
    """

    async def check(self, client: str, subject: str, now: datetime) -> int | None:
        """Seconds (at least 1) until `client` may try `subject` again, or None if it may now."""

    async def record_failure(self, client: str, subject: str, now: datetime) -> int | None:
        """Count one failure, atomically across processes; the seconds of the block it starts
        (at least 1, never shortening one already running), or None if the client is still
        under the threshold."""

    async def reset(self, client: str, subject: str) -> None:
        """Forget `client`'s failures for `subject` (it proved it knows the password)."""
