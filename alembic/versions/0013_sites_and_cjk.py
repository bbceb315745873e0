"""Search finds words inside Chinese, Japanese and Korean runs: every script indexed again.

The index's words are `domain.scripts.search_terms`, which now cuts CJK runs into pairs of
characters; rows written before hold such a run as one word. This rewrites every row of
`script_search` with the words of today's code (that is the point: a later change of the
words needs a migration of its own that does the same).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from scripthub.adapters.sqlalchemy.scripts_search import (
    field_words,
    postgres_document,
    postgresql_search,
    search_rowid,
    sqlite_search,
)

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 1000

_scripts = sa.table(
    "scripts",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.Text()),
    sa.column("description", sa.Text()),
    sa.column("tags", sa.JSON()),
)


def upgrade() -> None:
    _reindex()


def downgrade() -> None:
    # The rows written by this revision's words still find what the older words did.
    pass


def _reindex() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    after: Any = None
    while True:
        batch = sa.select(_scripts).order_by(_scripts.c.id).limit(BATCH)
        if after is not None:
            batch = batch.where(_scripts.c.id > after)
        rows = connection.execute(batch).all()
        if not rows:
            return
        words = [{"id": row.id, **field_words(row.name, row.tags, row.description)} for row in rows]
        if postgres:
            _rewrite_postgres(connection, words)
        else:
            _rewrite_sqlite(connection, words)
        after = rows[-1].id


def _rewrite_postgres(connection: sa.Connection, words: list[dict[str, Any]]) -> None:
    statement = sa.update(postgresql_search).where(
        postgresql_search.c.script_id == sa.bindparam("id")
    )
    document = postgres_document(
        sa.bindparam("name", type_=sa.Text()),
        sa.bindparam("tags", type_=sa.Text()),
        sa.bindparam("description", type_=sa.Text()),
    )
    connection.execute(statement.values(document=document), words)


def _rewrite_sqlite(connection: sa.Connection, words: list[dict[str, Any]]) -> None:
    rows = [{"rowid": search_rowid(row["id"]), "script_id": row["id"], **row} for row in words]
    connection.execute(
        sa.delete(sqlite_search).where(sqlite_search.c.rowid == sa.bindparam("old_rowid")),
        [{"old_rowid": row["rowid"]} for row in rows],
    )
    connection.execute(sa.insert(sqlite_search), rows)
