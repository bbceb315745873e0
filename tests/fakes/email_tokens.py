"""Email tokens in an `InMemoryDatabase`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from scripthub.domain.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.domain.email_tokens import EmailToken, TokenPurpose
    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryEmailTokenRepository:
    """`EmailTokenRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def add(self, token: EmailToken) -> None:
        await self._writing()
        # The foreign key and the unique hash, as SQL would enforce them.
        if token.user_id not in self._database.users:
            raise NotFoundError(f"user {token.user_id} does not exist")
        tokens = self._database.email_tokens
        if token.id in tokens or any(t.token_hash == token.token_hash for t in tokens.values()):
            raise ConflictError("this token already exists")
        tokens[token.id] = dataclasses.replace(token)

    async def find(self, token_hash: str, purpose: TokenPurpose) -> EmailToken | None:
        for token in self._database.email_tokens.values():
            if token.token_hash == token_hash and token.purpose is purpose:
                return dataclasses.replace(token)
        return None

    async def consume(self, token_id: uuid.UUID, now: datetime) -> bool:
        # After waiting for any other writer: a token it used is seen used.
        await self._writing()
        token = self._database.email_tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        self._database.email_tokens[token_id] = dataclasses.replace(token, used_at=now)
        return True

    async def revoke_unused(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> int:
        await self._writing()
        tokens = self._database.email_tokens
        unused = [
            token
            for token in tokens.values()
            if (token.user_id, token.purpose, token.used_at) == (user_id, purpose, None)
        ]
        for token in unused:
            tokens[token.id] = dataclasses.replace(token, used_at=now)
        return len(unused)
