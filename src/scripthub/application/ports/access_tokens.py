"""Where personal access tokens are kept."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from scripthub.domain.access_tokens import AccessToken


class AccessTokenRepository(Protocol):
    """Personal access tokens (by the SHA-256 of their secret), in the unit of work's
    transaction."""

    async def add(self, token: AccessToken, secret_hash: str) -> None:
        """Raises ConflictError if the hash is taken, NotFoundError for an unknown user."""

    async def count_live(self, user_id: uuid.UUID, now: datetime) -> int:
        """The user's tokens neither revoked nor expired at `now`."""

    async def list_unrevoked(self, user_id: uuid.UUID) -> list[AccessToken]:
        """The user's tokens not revoked (expired ones too), newest first; one query."""

    async def find_usable(self, secret_hash: str, now: datetime) -> AccessToken | None:
        """The live token with this hash whose owner's account is active, else None; one
        query (the hot path of a request made with a token)."""

    async def revoke(
        self, user_id: uuid.UUID, token_id: uuid.UUID, now: datetime
    ) -> AccessToken | None:
        """Revoke the user's unrevoked token: the token as it now is (revoked at `now`), or
        None (changing nothing) if the user has no such unrevoked token. Of two concurrent
        calls exactly one gets the token."""

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> int:
        """Revoke every unrevoked token of the user; how many."""

    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> None:
        """Set `last_used_at` (a write that changes nothing else)."""
