"""The mail outbox, and an index for the newest email token of a user and purpose.

`ix_email_tokens_user_id_purpose_created_at` replaces `ix_email_tokens_user_id`, a prefix of it.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_mail_outbox_status")
        ),
    )
    op.create_index(
        op.f("ix_mail_outbox_status_next_attempt_at"), "mail_outbox", ["status", "next_attempt_at"]
    )
    op.create_index(
        op.f("ix_mail_outbox_status_created_at"), "mail_outbox", ["status", "created_at"]
    )
    op.create_index(
        op.f("ix_email_tokens_user_id_purpose_created_at"),
        "email_tokens",
        ["user_id", "purpose", "created_at"],
    )
    op.drop_index(op.f("ix_email_tokens_user_id"), table_name="email_tokens")


def downgrade() -> None:
    op.create_index(op.f("ix_email_tokens_user_id"), "email_tokens", ["user_id"])
    op.drop_index(op.f("ix_email_tokens_user_id_purpose_created_at"), table_name="email_tokens")
    op.drop_table("mail_outbox")
