"""The `email_tokens` table, its rows as email tokens and back, and `EmailTokenRepository`
over it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.columns import timestamps, user_fk
from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.email_tokens import EmailToken, TokenPurpose

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    user_fk(index=False),
    Column("purpose", String(32), nullable=False),
    Column("token_hash", Text(), nullable=False, unique=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    Column("new_email", Text()),
    *timestamps(),
    CheckConstraint(
        "purpose IN ('verify_email', 'reset_password', 'change_email')", name="purpose"
    ),
    # The newest token of a user and purpose (mail throttling); also serves the foreign key.
    Index("ix_email_tokens_user_id_purpose_created_at", "user_id", "purpose", "created_at"),
)


class SqlAlchemyEmailTokenRepository:
    """Token hashes, in the unit of work's transaction.

    `consume` is one conditional UPDATE: under concurrent consumers the row lock (PostgreSQL)
    or the database write lock (SQLite) lets exactly one of them find the token unused.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, token: EmailToken) -> None:
        try:
            await self._connection.execute(insert(email_tokens).values(_values(token)))
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def find(self, token_hash: str, purpose: TokenPurpose) -> EmailToken | None:
        result = await self._connection.execute(
            select(email_tokens).where(
                email_tokens.c.token_hash == token_hash, email_tokens.c.purpose == purpose.value
            )
        )
        row = result.mappings().one_or_none()
        return None if row is None else _from_row(row)

    async def consume(self, token_id: uuid.UUID, now: datetime) -> bool:
        result = await self._connection.execute(
            update(email_tokens)
            .where(email_tokens.c.id == token_id, email_tokens.c.used_at.is_(None))
            .values(used_at=now, updated_at=now)
            .returning(email_tokens.c.id)
        )
        return result.first() is not None

    async def revoke_unused(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> int:
        result = await self._connection.execute(
            update(email_tokens)
            .where(
                email_tokens.c.user_id == user_id,
                email_tokens.c.purpose == purpose.value,
                email_tokens.c.used_at.is_(None),
            )
            .values(used_at=now, updated_at=now)
            .returning(email_tokens.c.id)
        )
        return len(result.all())


def _values(token: EmailToken) -> dict[str, Any]:
    return without_nul(
        {
            "id": token.id,
            "user_id": token.user_id,
            "purpose": token.purpose.value,
            "token_hash": token.token_hash,
            "expires_at": token.expires_at,
            "used_at": token.used_at,
            "new_email": token.new_email,
            "created_at": token.created_at,
            "updated_at": token.created_at,
        }
    )


def _from_row(row: RowMapping) -> EmailToken:
    return EmailToken(
        id=row["id"],
        user_id=row["user_id"],
        purpose=TokenPurpose(row["purpose"]),
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        new_email=row["new_email"],
    )
