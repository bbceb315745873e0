"""Tag rows keep their script's sort keys and listing, with one partial index per order.

A tag's page in any order walks its index (on `tag`, the order's key, `script_id`, over the
rows of listed scripts) and stops after the page, for a rare tag as for a common one.

The copies (`scripts_table.TAG_COPIES`) are filled here in one UPDATE ... FROM, then
declared NOT NULL: every writer of a tag row or of a copied column of a script says them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SORT_TEXT = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
COPIES: dict[str, sa.types.TypeEngine[Any]] = {
    "created_at": sa.DateTime(timezone=True),
    "updated_at": sa.DateTime(timezone=True),
    "install_count": sa.BigInteger(),
    "rating_avg": sa.Double(),
    "name_key": SORT_TEXT,
    "listed": sa.Boolean(),
}
KEYS = ["created_at", "updated_at", "install_count", "rating_avg", "name_key"]
BACKFILL = sa.text(
    "UPDATE script_tags SET created_at = scripts.created_at,"
    " updated_at = scripts.updated_at, install_count = scripts.install_count,"
    " rating_avg = scripts.rating_avg, name_key = scripts.name_key,"
    " listed = (scripts.visibility = 'public' AND scripts.deleted_at IS NULL)"
    " FROM scripts WHERE scripts.id = script_tags.script_id"
)
LISTED = sa.text("listed = true")


def upgrade() -> None:
    for name, type_ in COPIES.items():
        op.add_column("script_tags", sa.Column(name, type_))
    op.execute(BACKFILL)
    with op.batch_alter_table("script_tags") as batch:
        for name, type_ in COPIES.items():
            batch.alter_column(name, existing_type=type_, nullable=False)
    for key in KEYS:
        op.create_index(
            op.f(f"ix_script_tags_listed_tag_{key}_script_id"),
            "script_tags",
            ["tag", key, "script_id"],
            sqlite_where=LISTED,
            postgresql_where=LISTED,
        )


def downgrade() -> None:
    for key in KEYS:
        op.drop_index(op.f(f"ix_script_tags_listed_tag_{key}_script_id"), "script_tags")
    with op.batch_alter_table("script_tags") as batch:
        for name in COPIES:
            batch.drop_column(name)
