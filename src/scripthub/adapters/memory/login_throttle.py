"""Failed sign-ins per client and account in process memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripthub.adapters.memory.expiry import ExpiryQueue
from scripthub.application.ports.login_throttle import ThrottlePolicy, subject_key, whole_seconds

if TYPE_CHECKING:
    from datetime import datetime

DEFAULT_MAX_ENTRIES = 100_000
"""About 20 MB of counts: far more clients failing at once than one process serves."""


@dataclass
class _Count:
    failures: int
    expires_at: datetime
    blocked_until: datetime


class InMemoryLoginThrottle:
    """`LoginThrottle` for one process. Atomic because no method awaits.

    Memory stays bounded whatever a guesser sends: keys are fixed-size digests, counts are
    dropped when they expire, and past `max_entries` the count whose latest failure is oldest
    is forgotten first.
    """

    def __init__(
        self, policy: ThrottlePolicy | None = None, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self._policy = policy or ThrottlePolicy()
        self._max_entries = max_entries
        # In order of latest failure, oldest first: a failure moves its count to the end.
        self._counts: dict[str, _Count] = {}
        self._expiry: ExpiryQueue[str] = ExpiryQueue()

    async def check(self, client: str, subject: str, now: datetime) -> int | None:
        self._drop_expired(now)
        count = self._counts.get(subject_key(client, subject))
        if count is None or count.blocked_until <= now:
            return None
        return whole_seconds(count.blocked_until - now)

    async def record_failure(self, client: str, subject: str, now: datetime) -> int | None:
        self._drop_expired(now)
        key = subject_key(client, subject)
        count = self._counts.pop(key, None) or _Count(0, now, now)
        count.failures += 1
        delay = self._policy.delay_after(count.failures)
        if delay or count.failures == 1:
            count.expires_at = now + self._policy.window
            count.blocked_until = max(count.blocked_until, now + delay)
            self._expiry.push(count.expires_at, key)
        self._counts[key] = count
        if len(self._counts) > self._max_entries:
            del self._counts[next(iter(self._counts))]
        return whole_seconds(delay) if delay else None

    async def reset(self, client: str, subject: str) -> None:
        self._counts.pop(subject_key(client, subject), None)

    def _drop_expired(self, now: datetime) -> None:
        for key in self._expiry.due(now):
            count = self._counts.get(key)
            # The key may have failed again since this deadline was pushed.
            if count is not None and count.expires_at <= now:
                del self._counts[key]
