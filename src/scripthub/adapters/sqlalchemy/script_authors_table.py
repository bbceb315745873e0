"""The tables of co-authors: `script_authors` (who co-authors which script; `scripts.authors`
keeps a copy for reads) and `script_invitations` (to co-author, or to take ownership over)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    literal_column,
)

from scripthub.adapters.sqlalchemy.columns import user_fk
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.script_authors import (
    Invitation,
    InvitationKind,
    InvitationStatus,
    ScriptAuthor,
)

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from scripthub.adapters.sqlalchemy.rows import ColumnValues

script_authors = Table(
    "script_authors",
    metadata,
    Column("script_id", Uuid(), ForeignKey("scripts.id", ondelete="CASCADE"), nullable=False),
    user_fk(),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("script_id", "user_id"),
)

PENDING: ColumnElement[str] = literal_column("'pending'")

script_invitations = Table(
    "script_invitations",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "script_id",
        Uuid(),
        ForeignKey("scripts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    user_fk(),
    Column("invited_by", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()),
    CheckConstraint("kind IN ('author', 'transfer')", name="kind"),
    CheckConstraint("status IN ('pending', 'accepted', 'revoked')", name="status"),
    Index("ix_script_invitations_invited_by", "invited_by"),
)

# One pending invitation of a kind per user and script (an expired one is revoked before a
# new one is added): two invitations sent at once are one and a ConflictError.
Index(
    "uq_script_invitations_pending",
    script_invitations.c.script_id,
    script_invitations.c.user_id,
    script_invitations.c.kind,
    unique=True,
    sqlite_where=script_invitations.c.status == PENDING,
    postgresql_where=script_invitations.c.status == PENDING,
)


def authors_document(authors: list[ScriptAuthor]) -> list[dict[str, str]]:
    """The `scripts.authors` column's JSON array."""
    return [{"id": str(author.id), "username": author.username} for author in authors]


def authors_from_document(document: Any) -> tuple[ScriptAuthor, ...]:
    return tuple(ScriptAuthor(uuid.UUID(item["id"]), item["username"]) for item in document or ())


def invitation_values(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "script_id": invitation.script_id,
        "user_id": invitation.user_id,
        "invited_by": invitation.invited_by,
        "kind": invitation.kind.value,
        "status": invitation.status.value,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "decided_at": invitation.decided_at,
    }


def invitation_from_row(row: ColumnValues) -> Invitation:
    return Invitation(
        id=row["id"],
        script_id=row["script_id"],
        user_id=row["user_id"],
        invited_by=row["invited_by"],
        kind=InvitationKind(row["kind"]),
        status=InvitationStatus(row["status"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        decided_at=row["decided_at"],
        username=row["username"],
        script_name=row["name"],
    )
