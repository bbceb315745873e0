"""Review of risky updates: a version's `status` and the moderator's decision on it.

`status` is `published`, `held_for_review` or `rejected` (every existing version is
published); `reviewed_by`, `reviewed_at` and `review_note` record the decision on a version
that was held.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("script_versions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="published")
        )
        batch.add_column(sa.Column("reviewed_by", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_script_versions_reviewed_by_users"),
            "users",
            ["reviewed_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(
            op.f("ck_script_versions_version_status"),
            "status IN ('published', 'held_for_review', 'rejected')",
        )
        batch.create_index(op.f("ix_script_versions_reviewed_by"), ["reviewed_by"])
        batch.create_index(
            op.f("ix_script_versions_status_created_at_id"), ["status", "created_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("script_versions") as batch:
        batch.drop_index(op.f("ix_script_versions_status_created_at_id"))
        batch.drop_index(op.f("ix_script_versions_reviewed_by"))
        batch.drop_constraint(op.f("ck_script_versions_version_status"), type_="check")
        batch.drop_constraint(op.f("fk_script_versions_reviewed_by_users"), type_="foreignkey")
        batch.drop_column("review_note")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
        batch.drop_column("status")
