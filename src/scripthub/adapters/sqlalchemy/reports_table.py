"""The `script_reports` table, and its rows as domain objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Table,
    Text,
    Uuid,
    literal_column,
)

from scripthub.adapters.sqlalchemy.columns import timestamps
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.reports import (
    Decision,
    ModerationAction,
    Person,
    Report,
    ReportReason,
    ReportStatus,
    Resolution,
)
from scripthub.domain.takedowns import TakedownMode

if TYPE_CHECKING:
    from scripthub.adapters.sqlalchemy.rows import ColumnValues

script_reports = Table(
    "script_reports",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("script_id", Uuid(), ForeignKey("scripts.id", ondelete="CASCADE"), nullable=False),
    Column("reporter_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("details", Text(), nullable=False),
    Column("version", Text()),
    Column("status", Text(), nullable=False),
    Column("rebuttal", Text()),
    Column("rebutted_at", UtcDateTime()),
    Column("action", Text()),
    Column("mode", Text()),
    Column("redirect_to", Uuid()),
    Column("note", Text()),
    Column("moderator_id", Uuid(), ForeignKey("users.id", ondelete="SET NULL")),
    Column("resolved_at", UtcDateTime()),
    # An upheld `unlist` keeps the script from being made public again while this is true.
    Column("locks_visibility", Boolean(), nullable=False),
    *timestamps(),
    CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name="status"),
    Index("ix_script_reports_script_id_created_at", "script_id", "created_at", "id"),
    Index("ix_script_reports_reporter_id_created_at", "reporter_id", "created_at", "id"),
    Index("ix_script_reports_status_created_at", "status", "created_at", "id"),
    Index("ix_script_reports_status_resolved_at", "status", "resolved_at", "id"),
    Index("ix_script_reports_moderator_id", "moderator_id"),
)

# A literal, not a bound parameter: PostgreSQL must see that an ON CONFLICT's predicate is the
# partial index's, also in the generic plan a prepared statement switches to after five runs.
OPEN = script_reports.c.status == literal_column(f"'{ReportStatus.OPEN.value}'")

# One open report per reporter and script, however many requests race to file one.
Index(
    "uq_script_reports_open",
    script_reports.c.script_id,
    script_reports.c.reporter_id,
    unique=True,
    sqlite_where=OPEN,
    postgresql_where=OPEN,
)


def report_from_row(row: ColumnValues) -> Report:
    """A row of `script_reports` joined with its script's `script_name` and
    `script_owner_id`, and its reporter's `reporter_username`."""
    status = ReportStatus(row["status"])
    resolution = None
    if status is not ReportStatus.OPEN:
        action = row["action"]
        resolution = Resolution(
            decision=Decision.UPHOLD if status is ReportStatus.UPHELD else Decision.DISMISS,
            action=None if action is None else ModerationAction(action),
            note=row["note"],
            at=row["resolved_at"],
            moderator_id=row["moderator_id"],
            mode=None if row["mode"] is None else TakedownMode(row["mode"]),
            redirect_to=row["redirect_to"],
        )
    return Report(
        id=row["id"],
        script_id=row["script_id"],
        script_name=row["script_name"],
        script_owner_id=row["script_owner_id"],
        reporter=Person(row["reporter_id"], row["reporter_username"]),
        reason=ReportReason(row["reason"]),
        details=row["details"],
        version=row["version"],
        status=status,
        created_at=row["created_at"],
        rebuttal=row["rebuttal"],
        rebutted_at=row["rebutted_at"],
        resolution=resolution,
    )
