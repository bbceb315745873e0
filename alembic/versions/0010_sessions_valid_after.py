"""Sessions end when the account says so: `users.session_epoch` and `refresh_tokens.epoch`.

A password change or reset, a suspension and a deletion move the account's epoch on in the
same transaction as the change itself; a session belongs to the epoch it was started (or
reissued) at, and one of an earlier epoch has ended, even if the session store never heard
of the change (Redis failing between the commit and the revocation).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "refresh_tokens", sa.Column("epoch", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops a plain column in place, where rebuilding
    # `users` would trip over its generated column.
    op.drop_column("refresh_tokens", "epoch")
    op.drop_column("users", "session_epoch")
