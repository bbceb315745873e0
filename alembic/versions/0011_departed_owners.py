"""A deleted account's username stays taken for 30 days: an index to look it up.

Registrations and username changes ask whether an account deleted less than 30 days ago held
the username (by its `updated_at`, the time of its deletion). The live accounts' unique index
does not cover deleted ones, so without this one the question would read every deleted
account.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DELETED = sa.text("account_status = 'deleted'")


def upgrade() -> None:
    op.create_index(
        "ix_users_username_deleted",
        "users",
        ["username", "updated_at"],
        sqlite_where=DELETED,
        postgresql_where=DELETED,
    )


def downgrade() -> None:
    op.drop_index("ix_users_username_deleted", table_name="users")
