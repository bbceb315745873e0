"""The `access_tokens` table (personal access tokens), its rows as tokens and back, and
`AccessTokenRepository` over it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Index,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.columns import JsonDocument, timestamps, user_fk
from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.users_table import users
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.access_tokens import AccessToken, TokenScope
from scripthub.domain.users import AccountStatus

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.rows import ColumnValues
    from scripthub.adapters.sqlalchemy.statements import Statements

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    user_fk(index=False),
    Column("name", String(100), nullable=False),
    Column("secret_hash", Text(), nullable=False, unique=True),
    Column("scopes", Text(), nullable=False),  # space-separated, sorted
    # A sorted JSON array of script ids; NULL: all the owner's scripts, future ones too.
    Column("script_ids", JsonDocument),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    *timestamps(),
    # A user's tokens, newest first (the listing, the count of live ones); also serves the
    # foreign key.
    Index("ix_access_tokens_user_id_created_at", "user_id", "created_at"),
)
_UNREVOKED = access_tokens.c.revoked_at.is_(None)
# The hot path's statements, built once (see `statements`).
_USABLE = (
    select(access_tokens)
    .join(users, users.c.id == access_tokens.c.user_id)
    .where(
        access_tokens.c.secret_hash == bindparam("secret_hash"),
        _UNREVOKED,
        access_tokens.c.expires_at > bindparam("now", type_=UtcDateTime()),
        users.c.account_status == AccountStatus.ACTIVE.value,
    )
)
_MARK_USED = (
    update(access_tokens)
    .where(access_tokens.c.id == bindparam("token_id", type_=Uuid()))
    .values(last_used_at=bindparam("at", type_=UtcDateTime()))
)


class SqlAlchemyAccessTokenRepository:
    """Personal access tokens, in the unit of work's transaction. `revoke` is one guarded
    UPDATE: of concurrent calls, the row lock (PostgreSQL) or the database lock (SQLite) lets
    exactly one find the token unrevoked."""

    def __init__(self, connection: AsyncConnection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def add(self, token: AccessToken, secret_hash: str) -> None:
        try:
            await self._connection.execute(
                insert(access_tokens).values(_values(token, secret_hash))
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def count_live(self, user_id: uuid.UUID, now: datetime) -> int:
        result = await self._connection.execute(
            select(func.count()).where(
                access_tokens.c.user_id == user_id, _UNREVOKED, access_tokens.c.expires_at > now
            )
        )
        return int(result.scalar_one())

    async def list_unrevoked(self, user_id: uuid.UUID) -> list[AccessToken]:
        result = await self._connection.execute(
            select(access_tokens)
            .where(access_tokens.c.user_id == user_id, _UNREVOKED)
            .order_by(access_tokens.c.created_at.desc(), access_tokens.c.id.desc())
        )
        return [_from_row(row) for row in result.mappings()]

    async def find_usable(self, secret_hash: str, now: datetime) -> AccessToken | None:
        row = await self._statements.first(_USABLE, {"secret_hash": secret_hash, "now": now})
        return None if row is None else _from_row(row)

    async def revoke(
        self, user_id: uuid.UUID, token_id: uuid.UUID, now: datetime
    ) -> AccessToken | None:
        result = await self._connection.execute(
            update(access_tokens)
            .where(access_tokens.c.id == token_id, access_tokens.c.user_id == user_id, _UNREVOKED)
            .values(revoked_at=now, updated_at=now)
            .returning(*access_tokens.c)
        )
        row = result.mappings().one_or_none()
        return None if row is None else _from_row(row)

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> list[AccessToken]:
        result = await self._connection.execute(
            update(access_tokens)
            .where(access_tokens.c.user_id == user_id, _UNREVOKED)
            .values(revoked_at=now, updated_at=now)
            .returning(*access_tokens.c)
        )
        return [_from_row(row) for row in result.mappings()]

    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> None:
        await self._statements.run(_MARK_USED, {"token_id": token_id, "at": at})


def _values(token: AccessToken, secret_hash: str) -> dict[str, Any]:
    return without_nul(
        {
            "id": token.id,
            "user_id": token.user_id,
            "name": token.name,
            "secret_hash": secret_hash,
            "scopes": " ".join(token.scopes),
            "script_ids": None
            if token.script_ids is None
            else [str(script_id) for script_id in token.script_ids],
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
            "created_at": token.created_at,
            "updated_at": token.created_at,
        }
    )


def _from_row(row: ColumnValues) -> AccessToken:
    script_ids = row["script_ids"]
    return AccessToken(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        scopes=tuple(TokenScope(scope) for scope in row["scopes"].split()),
        script_ids=None if script_ids is None else tuple(uuid.UUID(s) for s in script_ids),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )
