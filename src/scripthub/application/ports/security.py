"""Password hashing and access tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


class PasswordHasher(Protocol):
    """Slow, salted password hashing that never blocks the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """True if they match. With no hash, spends the same time and returns False,
        so that an unknown account cannot be told from a wrong password by timing."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int


class AccessTokens(Protocol):
    """Short-lived signed bearer tokens naming a user and a session."""

    def issue(self, user_id: uuid.UUID, session_id: uuid.UUID) -> IssuedAccessToken: ...

    def read(self, token: str) -> AccessClaims:
        """Verify and decode. Raises TokenExpiredError or InvalidTokenError."""
