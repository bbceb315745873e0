"""Popularity tiers in the PostgreSQL search index (`script_search.tier` and `tiered`).

Each search row keeps its script's tier (`scripts_search.tier_of` of its `install_count`) and
its words each behind the tier's two digits (`scripts_search.tiered_document`), with a GIN
index of their own, so that a search reads a word's matches of one tier from the index alone
(`script_tiers`). The columns have no default: every writer of a search row says them.
SQLite gets nothing: its search walks `install_count`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from scripthub.adapters.sqlalchemy.scripts_search import tier_of, tiered_document

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_scripts = sa.table(
    "scripts", sa.column("id", sa.Uuid()), sa.column("install_count", sa.BigInteger())
)
_search = sa.table(
    "script_search",
    sa.column("script_id", sa.Uuid()),
    sa.column("document", postgresql.TSVECTOR()),
    sa.column("tier", sa.SmallInteger()),
    sa.column("tiered", postgresql.TSVECTOR()),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.add_column("script_search", sa.Column("tier", sa.SmallInteger()))
    op.add_column("script_search", sa.Column("tiered", postgresql.TSVECTOR()))
    tier = tier_of(_scripts.c.install_count)
    op.execute(
        _search.update()
        .where(_search.c.script_id == _scripts.c.id)
        .values(tier=tier, tiered=tiered_document(tier, _search.c.document))
    )
    op.alter_column("script_search", "tier", nullable=False)
    op.alter_column("script_search", "tiered", nullable=False)
    op.create_index("ix_script_search_tiered", "script_search", ["tiered"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_script_search_tiered", table_name="script_search")
    op.drop_column("script_search", "tiered")
    op.drop_column("script_search", "tier")
