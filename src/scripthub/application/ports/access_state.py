"""The authenticated request's one round trip to the stores."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scripthub.application.ports.access_tokens import TokenMark
from scripthub.application.ports.permission_cache import CachedGrants
from scripthub.application.ports.system import RateCharge, RateLimitState


@dataclass(frozen=True)
class AccessState:
    session_epoch: int | None
    """The session's epoch if it is live and the user's, else None."""
    cached: CachedGrants
    rate: RateLimitState | None = None
    """The budget after counting the read's `charge`; None when there was none."""


@dataclass(frozen=True)
class OwnerState:
    """What a request made with a personal access token needs of the stores: the token's
    mark, its owner's cached access, and its charges counted."""

    token_mark: TokenMark
    cached: CachedGrants
    rates: list[RateLimitState]
    """The budget after each charge of the read, in their order."""


class AccessStateReader(Protocol):
    """The authenticated request's one round trip: is the session live (and of which epoch),
    what may the user do and which epoch must the session belong to (from the cache), and,
    given a `charge`, the request counted against a rate budget exactly as `RateLimiter.hit`
    would count it (the same counters)."""

    async def read(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        now: datetime,
        charge: RateCharge | None = None,
    ) -> AccessState: ...

    async def read_owner(
        self, token_id: uuid.UUID, user_id: uuid.UUID, charges: Sequence[RateCharge]
    ) -> OwnerState:
        """The same round trip for a request made with a personal access token instead of a
        session: the token's mark (`AccessTokenMarks`), its owner's cached access, and each
        of `charges` counted as `RateLimiter.hit` would count it."""
        ...
