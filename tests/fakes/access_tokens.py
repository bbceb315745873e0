"""Personal access tokens in an `InMemoryDatabase`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.users import AccountStatus

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.domain.access_tokens import AccessToken
    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryAccessTokenRepository:
    """`AccessTokenRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def add(self, token: AccessToken, secret_hash: str) -> None:
        await self._writing()
        if token.user_id not in self._database.users:
            raise NotFoundError(f"user {token.user_id} does not exist")
        tokens = self._database.access_tokens
        if token.id in tokens or any(hashed == secret_hash for _, hashed in tokens.values()):
            raise ConflictError("this token already exists")
        tokens[token.id] = (token, secret_hash)

    async def count_live(self, user_id: uuid.UUID, now: datetime) -> int:
        return sum(1 for token in self._of(user_id) if token.live(now))

    async def list_unrevoked(self, user_id: uuid.UUID) -> list[AccessToken]:
        unrevoked = [token for token in self._of(user_id) if token.revoked_at is None]
        return sorted(unrevoked, key=lambda token: (token.created_at, token.id), reverse=True)

    async def find_usable(self, secret_hash: str, now: datetime) -> AccessToken | None:
        for token, hashed in self._database.access_tokens.values():
            owner = self._database.users.get(token.user_id)
            if (
                hashed == secret_hash
                and token.live(now)
                and owner is not None
                and owner.account_status is AccountStatus.ACTIVE
            ):
                return token
        return None

    async def revoke(
        self, user_id: uuid.UUID, token_id: uuid.UUID, now: datetime
    ) -> AccessToken | None:
        await self._writing()
        stored = self._database.access_tokens.get(token_id)
        if stored is None or stored[0].user_id != user_id or stored[0].revoked_at is not None:
            return None
        revoked = dataclasses.replace(stored[0], revoked_at=now)
        self._database.access_tokens[token_id] = (revoked, stored[1])
        return revoked

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> list[AccessToken]:
        await self._writing()
        revoked = [
            dataclasses.replace(token, revoked_at=now)
            for token in self._of(user_id)
            if token.revoked_at is None
        ]
        for token in revoked:
            hashed = self._database.access_tokens[token.id][1]
            self._database.access_tokens[token.id] = (token, hashed)
        return revoked

    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> None:
        await self._writing()
        stored = self._database.access_tokens.get(token_id)
        if stored is not None:
            token, hashed = stored
            self._database.access_tokens[token_id] = (
                dataclasses.replace(token, last_used_at=at),
                hashed,
            )

    def _of(self, user_id: uuid.UUID) -> list[AccessToken]:
        return [
            token for token, _ in self._database.access_tokens.values() if token.user_id == user_id
        ]
