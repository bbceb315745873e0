"""Release channels: each version's `channel`, and each script's latest beta version.

A version's `channel` is `stable` or `beta` (every existing version is stable); the script's
row keeps its latest beta version beside its latest stable one.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("script_versions") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(8), nullable=False, server_default="stable")
        )
        batch.create_check_constraint(
            op.f("ck_script_versions_version_channel"), "channel IN ('stable', 'beta')"
        )
    with op.batch_alter_table("scripts") as batch:
        batch.add_column(sa.Column("beta_version", sa.Text(), nullable=True))
        batch.add_column(sa.Column("beta_version_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("beta_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scripts") as batch:
        batch.drop_column("beta_sha256")
        batch.drop_column("beta_version_at")
        batch.drop_column("beta_version")
    with op.batch_alter_table("script_versions") as batch:
        batch.drop_constraint(op.f("ck_script_versions_version_channel"), type_="check")
        batch.drop_column("channel")
