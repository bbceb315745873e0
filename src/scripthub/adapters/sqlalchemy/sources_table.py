"""The tables of script sources: `script_sources`, their sync jobs `source_syncs`, and the
GitHub webhook's `webhook_secrets` and `webhook_deliveries`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
)

from scripthub.adapters.sqlalchemy.columns import timestamps, user_fk
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.errors import ValidationError
from scripthub.domain.sources import (
    LastSync,
    Source,
    SourceKind,
    SourceLocation,
    SyncMode,
    SyncStatus,
    parse_source_url,
)

if TYPE_CHECKING:
    from scripthub.adapters.sqlalchemy.rows import ColumnValues

script_sources = Table(
    "script_sources",
    metadata,
    Column("script_id", Uuid(), ForeignKey("scripts.id", ondelete="CASCADE"), primary_key=True),
    Column("url", Text(), nullable=False),
    Column("sync", Text(), nullable=False),
    Column("kind", Text(), nullable=False),
    # "owner/repo" lowercased: what webhooks match on (GitHub names are case-insensitive).
    Column("repository_key", Text()),
    Column("ref", Text()),
    Column("etag", Text()),
    Column("last_modified", Text()),
    Column("last_sync_at", UtcDateTime()),
    Column("last_sync_status", Text()),
    Column("last_sync_version", Text()),
    Column("last_sync_error", Text()),
    Column("failing_since", UtcDateTime()),
    Column("next_sync_at", UtcDateTime()),
    # The sync job running on this source, and until when: one at a time per source.
    Column("leased_until", UtcDateTime()),
    Column("leased_by", Uuid()),
    *timestamps(),
    Index("ix_script_sources_repository_key", "repository_key"),
    Index("ix_script_sources_sync_next_sync_at", "sync", "next_sync_at"),
)

source_syncs = Table(
    "source_syncs",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "script_id",
        Uuid(),
        ForeignKey("script_sources.script_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("trigger", Text(), nullable=False),
    Column("delivery", Text()),
    Column("release_tag", Text()),
    Column("status", Text(), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("outcome", Text()),
    Column("last_error", Text()),
    *timestamps(),
    CheckConstraint("status IN ('pending', 'done', 'failed')", name="status"),
    Index("ix_source_syncs_status_next_attempt_at", "status", "next_attempt_at"),
)

webhook_secrets = Table(
    "webhook_secrets",
    metadata,
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # The secret is derived from the server's key and this (see `domain.webhooks`).
    Column("nonce", Text(), nullable=False),
    Column("hint", Text(), nullable=False),
    *timestamps(),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    user_fk(index=False),
    Column("delivery", Text(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("user_id", "delivery"),
    Index("ix_webhook_deliveries_received_at", "received_at"),
)


def source_from_row(row: ColumnValues) -> Source:
    last_sync = None
    if row["last_sync_at"] is not None:
        last_sync = LastSync(
            at=row["last_sync_at"],
            status=SyncStatus(row["last_sync_status"]),
            version=row["last_sync_version"],
            error=row["last_sync_error"],
        )
    return Source(
        script_id=row["script_id"],
        location=_location(row),
        sync=SyncMode(row["sync"]),
        created_at=row["created_at"],
        last_sync=last_sync,
        etag=row["etag"],
        last_modified=row["last_modified"],
        failing_since=row["failing_since"],
    )


def _location(row: ColumnValues) -> SourceLocation:
    kind = SourceKind(row["kind"])
    try:
        # The URL was read when it was set; reading it again gives back its parts.
        return parse_source_url(row["url"], SyncMode(row["sync"]), allow_http=True)
    except ValidationError:  # pragma: no cover - a rule tightened since it was stored
        return SourceLocation(row["url"], kind, ref=row["ref"])
