"""The read side of the hottest route: one's own account, outside any unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from scripthub.domain.users import User


@dataclass(frozen=True)
class AccountSnapshot:
    user: User
    providers: list[str]
    """Sorted, without repeats."""


class AccountReader(Protocol):
    """A read that needs no transaction: one round trip, no BEGIN/ROLLBACK around it."""

    async def account(self, user_id: uuid.UUID) -> AccountSnapshot | None:
        """The user (any status) with its profile and sign-in providers, or None."""
