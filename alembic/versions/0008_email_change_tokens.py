"""Email change links: the `change_email` token purpose and the address it moves to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PURPOSE = "ck_email_tokens_purpose"


def upgrade() -> None:
    with op.batch_alter_table("email_tokens") as batch:
        batch.add_column(sa.Column("new_email", sa.Text()))
        batch.drop_constraint(op.f(_PURPOSE), type_="check")
        batch.create_check_constraint(
            op.f(_PURPOSE), "purpose IN ('verify_email', 'reset_password', 'change_email')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM email_tokens WHERE purpose = 'change_email'")
    with op.batch_alter_table("email_tokens") as batch:
        batch.drop_constraint(op.f(_PURPOSE), type_="check")
        batch.create_check_constraint(
            op.f(_PURPOSE), "purpose IN ('verify_email', 'reset_password')"
        )
        batch.drop_column("new_email")
