"""The `refresh_tokens` table (one row per session, with its current token's hash) and
`rotated_refresh_tokens`, and their rows as sessions and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Integer, Table, Text, Uuid, text

from scripthub.adapters.sqlalchemy.columns import user_fk
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.sessions import Session

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    user_fk(),
    Column("token_hash", Text(), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("user_agent", Text()),
    Column("ip_address", Text()),
    Column("provider", Text(), nullable=False),
    Column("epoch", Integer(), nullable=False, server_default=text("0")),
    Column("updated_at", UtcDateTime(), nullable=False),
)

rotated_refresh_tokens = Table(
    "rotated_refresh_tokens",
    metadata,
    Column("token_hash", Text(), primary_key=True),
    Column(
        "session_id",
        Uuid(),
        ForeignKey("refresh_tokens.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("rotated_at", UtcDateTime(), nullable=False),
)


def session_values(session: Session, token_hash: str) -> dict[str, Any]:
    return without_nul(
        {
            "id": session.id,
            "user_id": session.user_id,
            "token_hash": token_hash,
            "created_at": session.created_at,
            "last_used_at": session.last_used_at,
            "expires_at": session.expires_at,
            "user_agent": session.user_agent,
            "ip_address": session.ip_address,
            "provider": session.provider,
            "epoch": session.epoch,
            "updated_at": session.last_used_at,
        }
    )


def session_from_row(row: RowMapping) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
        user_agent=row["user_agent"],
        ip_address=row["ip_address"],
        provider=row["provider"],
        epoch=row["epoch"],
    )
