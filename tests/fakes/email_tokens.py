"""Email tokens in an `InMemoryDatabase`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from scripthub.domain.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.domain.email_tokens import EmailToken, TokenPurpose
    from tests.fakes.database import InMemoryDatabase


class InMemoryEmailTokenRepository:
    """`EmailTokenRepository` over the private copy of an `InMemoryUnitOfWork`.

    `consume` also looks at the `published` state, as an SQL UPDATE sees rows committed
    since the transaction began; two units of work that consume a token at once both see it
    unused, and the unit of work lets only the first of them commit.
    """

    def __init__(self, database: InMemoryDatabase, published: InMemoryDatabase) -> None:
        self._database = database
        self._published = published

    async def add(self, token: EmailToken) -> None:
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
        token = self._database.email_tokens.get(token_id)
        published = self._published.email_tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        if published is not None and published.used_at is not None:
            return False
        self._database.email_tokens[token_id] = dataclasses.replace(token, used_at=now)
        return True

    async def revoke_unused(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> int:
        tokens = self._database.email_tokens
        unused = [
            token
            for token in tokens.values()
            if (token.user_id, token.purpose, token.used_at) == (user_id, purpose, None)
        ]
        for token in unused:
            tokens[token.id] = dataclasses.replace(token, used_at=now)
        return len(unused)
