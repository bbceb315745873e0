"""Store emails in NFKC form, the form they are now compared in.

An address written with full-width or ligature forms is rewritten to the letters it looks
like, unless that would collide with another live account: such a pair is a look-alike that
predates the rule, and both are left as they are for an operator to resolve.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    connection = op.get_bind()
    users = sa.table("users", sa.column("id"), sa.column("email"), sa.column("account_status"))
    rows = connection.execute(sa.select(users.c.id, users.c.email, users.c.account_status))
    rewrites = [
        (row.id, row.email, normalized, row.account_status != "deleted")
        for row in rows
        if not row.email.isascii()
        and (normalized := unicodedata.normalize("NFKC", row.email).lower()) != row.email
    ]
    for user_id, email, normalized, is_live in rewrites:
        taken = connection.execute(
            sa.select(users.c.id).where(
                users.c.email == normalized, users.c.account_status != "deleted"
            )
        ).first()
        if is_live and taken is not None:
            log.warning(
                "user %s: email %r looks like another account's; left as is", user_id, email
            )
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(email=normalized))


def downgrade() -> None:
    """The original spellings are not kept: NFKC forms stay, which the old code reads fine."""
