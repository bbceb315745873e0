"""The `@require`/`@resource` allow-list: one row of patterns, seeded with the common CDNs.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# The data as it was when this revision was written.
SEEDED_PATTERNS = [
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "ajax.googleapis.com",
]


def upgrade() -> None:
    table = op.create_table(
        "require_allowlist",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("patterns", _JSON_DOCUMENT, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_require_allowlist")),
        sa.CheckConstraint("id = 1", name=op.f("ck_require_allowlist_one_row")),
    )
    op.bulk_insert(table, [{"id": 1, "patterns": SEEDED_PATTERNS, "updated_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("require_allowlist")
