"""The read side of the hottest routes: one's own account, outside any unit of work."""

from __future__ import annotations

import uuid
from typing import Protocol

from scripthub.application.accounts import OwnUser


class AccountReader(Protocol):
    """A read that needs no transaction: one round trip, no BEGIN/ROLLBACK around it.

    GET /api/users/me and every token refresh read the account this way; reads that must
    see a unit of work's own writes use `views.load_own_user` instead.
    """

    async def account(self, user_id: uuid.UUID) -> OwnUser | None:
        """The user (any status) with their roles and sign-in providers, or None."""
