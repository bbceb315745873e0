"""Browse by site (`script_sites`), and words inside CJK runs: every script indexed again.

Search now finds words inside runs of Chinese, Japanese and Korean letters.

`script_sites` holds the hosts a script's latest version runs on (`domain.sites`): a host
exactly, or with its subdomains, or `*` for every site; filled here from the metadata kept
with each script's latest version.

The index's words are `domain.scripts.search_terms`, which now cuts CJK runs into pairs of
characters; rows written before hold such a run as one word. This rewrites every row of
`script_search` with the words of today's code (that is the point: a later change of the
words needs a migration of its own that does the same).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from scripthub.adapters.sqlalchemy.scripts_search import (
    postgres_document,
    postgresql_search,
    search_rowid,
    sqlite_search,
    words_of,
)
from scripthub.adapters.sqlalchemy.scripts_table import site_rows
from scripthub.domain.scripts import LocalizedText, field_texts
from scripthub.domain.sites import pattern_sites

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000

_scripts = sa.table(
    "scripts",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.Text()),
    sa.column("description", sa.Text()),
    sa.column("tags", sa.JSON()),
    sa.column("localized", sa.JSON()),
)


_versions = sa.table(
    "script_versions",
    sa.column("script_id", sa.Uuid()),
    sa.column("version", sa.Text()),
    sa.column("metadata", sa.JSON()),
)
_scripts_latest = sa.table(
    "scripts", sa.column("id", sa.Uuid()), sa.column("latest_version", sa.Text())
)
_sites = sa.table(
    "script_sites",
    sa.column("script_id", sa.Uuid()),
    sa.column("host", sa.Text()),
    sa.column("subdomains", sa.Boolean()),
)


def upgrade() -> None:
    op.create_table(
        "script_sites",
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("subdomains", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("script_id", "host", "subdomains", name=op.f("pk_script_sites")),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_script_sites_script_id_scripts"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_script_sites_host_subdomains_script_id"),
        "script_sites",
        ["host", "subdomains", "script_id"],
    )
    _fill_sites()
    _reindex()


def downgrade() -> None:
    # The search rows written by this revision's words still find what the older words did.
    op.drop_table("script_sites")


def _fill_sites() -> None:
    connection = op.get_bind()
    latest = sa.select(_versions.c.script_id, _versions.c.metadata).join(
        _scripts_latest,
        sa.and_(
            _scripts_latest.c.id == _versions.c.script_id,
            _scripts_latest.c.latest_version == _versions.c.version,
        ),
    )
    rows: list[dict[str, Any]] = []
    for script_id, metadata in connection.execute(
        latest.where(_versions.c.metadata.is_not(None))
    ).all():
        patterns = [
            pattern for key in ("match", "include") for pattern in _as_list(metadata.get(key))
        ]
        rows += site_rows(script_id, pattern_sites(patterns))
        if len(rows) >= BATCH:
            connection.execute(sa.insert(_sites), rows)
            rows = []
    if rows:
        connection.execute(sa.insert(_sites), rows)


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _texts(row: Any) -> dict[str, str]:
    localized = (
        LocalizedText(text.get("name"), text.get("description"))
        for text in (row.localized or {}).values()
    )
    return field_texts(row.name, row.tags, row.description, localized)


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
        words = [{"id": row.id, **words_of(_texts(row))} for row in rows]
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
