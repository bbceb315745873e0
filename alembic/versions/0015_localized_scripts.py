"""Scripts keep their localized names and descriptions: `scripts.localized`.

A JSON object by lower-cased locale code (`{"fr": {"name": ..., "description": ...}}`), filled
from the latest version's `@name:xx` and `@description:xx`. Scripts published before start
with none: their next version fills it.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "scripts",
        sa.Column("localized", JSON_DOCUMENT, nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    op.drop_column("scripts", "localized")
