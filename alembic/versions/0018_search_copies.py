"""PostgreSQL search rows keep their script's `install_count`, listing and owner.

A search by relevance reads its rarer words' matches tier by tier (`script_tiers`); each
match was then filtered (live, public, of an active owner) and sorted by `install_count`
from its `scripts` row, a random read per match (477 of them for two CJK words at 1M
scripts). The copies (`scripts_search.SEARCH_COPIES`) let a tier's matches be filtered and
sorted from the search rows alone. Filled here in one UPDATE ... FROM, then declared
NOT NULL: every writer of a search row or of a copied column of a script says them.

Every install fold now writes its scripts' search rows (their `install_count`); no indexed
column of the row changes but when the tier does, so the write is a HOT update, which
touches no index, as long as the row's page has room for the new version: the table keeps
a fifth of each page free (`fillfactor`, honoured by the backfill's rewrite). Without it,
each fold's rows would be written to other pages, all their words inserted again into both
GIN indexes' pending lists, which every search reads through until the next vacuum.

The two GIN indexes of the table are built again after the backfill rather than kept
through it: each row's update would otherwise insert all its words into both again (at 1M
scripts the whole migration, then `VACUUM ANALYZE`, took 4.5 minutes on a loaded machine).
Built over the backfill's HOT chains, they are not used by a transaction whose snapshot is
older than the migration (`pg_index.indcheckxmin`) until every such transaction, in any
database of the server, has ended: run it with no long transaction open.
SQLite gets nothing: its search (FTS5) keeps only words.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COPIES: dict[str, sa.types.TypeEngine[Any]] = {
    "install_count": sa.BigInteger(),
    "listed": sa.Boolean(),
    "owner_id": sa.Uuid(),
}
BACKFILL = sa.text(
    "UPDATE script_search SET install_count = scripts.install_count,"
    " listed = (scripts.visibility = 'public' AND scripts.deleted_at IS NULL),"
    " owner_id = scripts.owner_id"
    " FROM scripts WHERE scripts.id = script_search.script_id"
)
FILLFACTOR = 80
GIN_INDEXES = {"ix_script_search_document": "document", "ix_script_search_tiered": "tiered"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in GIN_INDEXES:
        op.drop_index(name, table_name="script_search")
    op.execute(f"ALTER TABLE script_search SET (fillfactor = {FILLFACTOR})")
    for name, type_ in COPIES.items():
        op.add_column("script_search", sa.Column(name, type_))
    op.execute(BACKFILL)
    for name, type_ in COPIES.items():
        op.alter_column("script_search", name, existing_type=type_, nullable=False)
    for name, column in GIN_INDEXES.items():
        op.create_index(name, "script_search", [column], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in COPIES:
        op.drop_column("script_search", name)
    op.execute("ALTER TABLE script_search RESET (fillfactor)")
