"""Mailed single-use tokens, in the relational store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from scripthub.domain.email_tokens import EmailToken, TokenPurpose


class EmailTokenRepository(Protocol):
    """Hashes of mailed tokens; the tokens themselves are never stored."""

    async def add(self, token: EmailToken) -> None: ...

    async def find(self, token_hash: str, purpose: TokenPurpose) -> EmailToken | None:
        """The token with this hash and purpose, used or not, expired or not."""

    async def consume(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Mark it used if it is not yet; False if it already was (single use under races)."""

    async def revoke_unused(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> int:
        """Mark every unused token of the user and purpose used; how many were."""
