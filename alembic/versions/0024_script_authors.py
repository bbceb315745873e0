"""Co-authors and ownership transfer: `script_authors`, `script_invitations`, `scripts.authors`.

`scripts.authors` is a copy of each script's co-authors (`[]` for every existing script).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "scripts",
        sa.Column("authors", JSON_DOCUMENT, nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_table(
        "script_authors",
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_script_authors_script_id_scripts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_script_authors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("script_id", "user_id", name=op.f("pk_script_authors")),
    )
    op.create_index(op.f("ix_script_authors_user_id"), "script_authors", ["user_id"])
    op.create_table(
        "script_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_script_invitations_script_id_scripts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_script_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_script_invitations_invited_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_invitations")),
        sa.CheckConstraint(
            "kind IN ('author', 'transfer')", name=op.f("ck_script_invitations_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'revoked')",
            name=op.f("ck_script_invitations_status"),
        ),
    )
    op.create_index(op.f("ix_script_invitations_script_id"), "script_invitations", ["script_id"])
    op.create_index(op.f("ix_script_invitations_user_id"), "script_invitations", ["user_id"])
    op.create_index(op.f("ix_script_invitations_invited_by"), "script_invitations", ["invited_by"])
    pending = sa.text("status = 'pending'")
    op.create_index(
        op.f("uq_script_invitations_pending"),
        "script_invitations",
        ["script_id", "user_id", "kind"],
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )


def downgrade() -> None:
    op.drop_table("script_invitations")
    op.drop_table("script_authors")
    op.drop_column("scripts", "authors")
