"""Indexes for keyset pagination of users and audit entries, newest first.

`ix_audit_logs_occurred_at_id` replaces `ix_audit_logs_occurred_at`, a prefix of it.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_users_created_at_id"), "users", ["created_at", "id"])
    op.create_index(op.f("ix_audit_logs_occurred_at_id"), "audit_logs", ["occurred_at", "id"])
    op.drop_index(op.f("ix_audit_logs_occurred_at"), table_name="audit_logs")


def downgrade() -> None:
    op.create_index(op.f("ix_audit_logs_occurred_at"), "audit_logs", ["occurred_at"])
    op.drop_index(op.f("ix_audit_logs_occurred_at_id"), table_name="audit_logs")
    op.drop_index(op.f("ix_users_created_at_id"), table_name="users")
