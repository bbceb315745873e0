"""Reports of scripts and their resolution by moderators.

Table `script_reports`; a partial unique index keeps one open report per reporter and script.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "script_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("rebuttal", sa.Text(), nullable=True),
        sa.Column("rebutted_at", _TIME, nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("mode", sa.Text(), nullable=True),
        sa.Column("redirect_to", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("moderator_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", _TIME, nullable=True),
        sa.Column("locks_visibility", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_script_reports_script_id_scripts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_script_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["users.id"],
            name=op.f("fk_script_reports_moderator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_reports")),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'dismissed')", name=op.f("ck_script_reports_status")
        ),
    )
    for name, columns in (
        ("ix_script_reports_script_id_created_at", ["script_id", "created_at", "id"]),
        ("ix_script_reports_reporter_id_created_at", ["reporter_id", "created_at", "id"]),
        ("ix_script_reports_status_created_at", ["status", "created_at", "id"]),
        ("ix_script_reports_status_resolved_at", ["status", "resolved_at", "id"]),
        ("ix_script_reports_moderator_id", ["moderator_id"]),
    ):
        op.create_index(op.f(name), "script_reports", columns)
    op.create_index(
        op.f("uq_script_reports_open"),
        "script_reports",
        ["script_id", "reporter_id"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_table("script_reports")
