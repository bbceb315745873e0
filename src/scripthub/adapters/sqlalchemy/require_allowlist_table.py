"""The `require_allowlist` table: one row, the moderators' `@require`/`@resource` patterns
(`domain.require_policy`) in their stored form, in the order a moderator gave them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, SmallInteger, Table

from scripthub.adapters.sqlalchemy.columns import JsonDocument
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.utc import UtcDateTime

ALLOWLIST_ROW = 1

require_allowlist = Table(
    "require_allowlist",
    metadata,
    Column("id", SmallInteger(), primary_key=True, autoincrement=False),
    Column("patterns", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # One list: a replacement locks and rewrites this row, so two never interleave.
    CheckConstraint(f"id = {ALLOWLIST_ROW}", name="one_row"),
)
