"""Where personal access tokens are kept."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from enum import Enum
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

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> list[AccessToken]:
        """Revoke every unrevoked token of the user: the tokens as they now are."""

    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> None:
        """Set `last_used_at` (a write that changes nothing else)."""


class TokenMark(Enum):
    """What the shared store says of a token on the hot path."""

    LIVE = "live"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    """Never marked, or the mark was lost (a store restarted): the database decides."""


class AccessTokenMarks(Protocol):
    """Which tokens are live or revoked, in the store every process reads on a token
    request's one round trip (`AccessStateReader.read_owner`), so that the token's row is not
    read per request.

    A revocation marks the token before its transaction commits and overwrites any mark; a
    request that found no mark and read the token live from the database marks it live only
    if nothing marked it since. So, as long as the store keeps what it was told, a mark never
    says live for a token revoked in a committed transaction: a request racing the
    revocation either read the database before it and loses to the later revoked mark, or
    reads it revoked. A revoked mark is not final (its revocation may roll back): the
    database decides. Marks expire with their tokens.
    """

    async def mark_live(self, token_id: uuid.UUID, until: datetime) -> bool:
        """Mark the token live until `until` unless it is marked already; False when it is
        marked revoked."""

    async def mark_revoked(self, tokens: Collection[AccessToken]) -> None:
        """Mark each token revoked (until it would have expired), whatever its mark."""


class AccessTokenCache(Protocol):
    """Tokens by the hash of their secret, in the process: what a token is never changes
    after its creation (its revocation is the marks'), so an entry is never stale."""

    def get(self, secret_hash: str) -> AccessToken | None: ...

    def put(self, secret_hash: str, token: AccessToken) -> None: ...

    def forget(self, secret_hash: str) -> None: ...
