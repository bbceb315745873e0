"""Scripts keep their localized names and descriptions: `scripts.localized`.

A JSON object by lower-cased locale code (`{"fr": {"name": ..., "description": ...}}`), from
the latest version's `@name:xx` and `@description:xx` (`domain.script_form`). Filled here from
the metadata kept with each live script's latest version, and those scripts indexed again
with them (the search finds localized texts). A script whose block breaks the rules that
publishing now applies (a localized name of 101 characters) keeps none until its next
version. Like any revision that calls today's code, it fills and indexes by today's rules.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from scripthub.adapters.sqlalchemy.scripts_search import (
    postgres_document,
    postgresql_search,
    search_rowid,
    search_words,
    sqlite_search,
)
from scripthub.adapters.sqlalchemy.scripts_table import localized_document
from scripthub.domain.errors import ValidationError
from scripthub.domain.script_form import declared_fields
from scripthub.domain.scripts import Language, Script
from scripthub.domain.userscript_metadata import BlockKind, Metadata

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BATCH = 1000

_scripts = sa.table(
    "scripts",
    sa.column("id", sa.Uuid()),
    sa.column("owner_id", sa.Uuid()),
    sa.column("slug", sa.Text()),
    sa.column("name", sa.Text()),
    sa.column("description", sa.Text()),
    sa.column("language", sa.Text()),
    sa.column("tags", sa.JSON()),
    sa.column("created_at", sa.DateTime()),
    sa.column("updated_at", sa.DateTime()),
    sa.column("latest_version", sa.Text()),
    sa.column("deleted_at", sa.DateTime()),
    sa.column("localized", sa.JSON()),
)
_versions = sa.table(
    "script_versions",
    sa.column("script_id", sa.Uuid()),
    sa.column("version", sa.Text()),
    sa.column("metadata", sa.JSON()),
)


def upgrade() -> None:
    op.add_column(
        "scripts",
        sa.Column("localized", JSON_DOCUMENT, nullable=False, server_default=sa.text("'{}'")),
    )
    _fill()


def downgrade() -> None:
    # The search rows keep the localized words: they find more, never less.
    op.drop_column("scripts", "localized")


def _fill() -> None:
    connection = op.get_bind()
    latest = (
        sa.select(_scripts, _versions.c.metadata)
        .join(
            _versions,
            sa.and_(
                _versions.c.script_id == _scripts.c.id,
                _versions.c.version == _scripts.c.latest_version,
            ),
        )
        .where(_scripts.c.deleted_at.is_(None), _versions.c.metadata.is_not(None))
        .order_by(_scripts.c.id)
        .limit(BATCH)
    )
    after: Any = None
    while True:
        batch = latest if after is None else latest.where(_scripts.c.id > after)
        rows = connection.execute(batch).mappings().all()
        if not rows:
            return
        scripts = [script for row in rows if (script := _localized_script(row)) is not None]
        if scripts:
            connection.execute(
                sa.update(_scripts).where(_scripts.c.id == sa.bindparam("script_id")),
                [
                    {"script_id": s.id, "localized": localized_document(s.localized)}
                    for s in scripts
                ],
            )
            _reindex(connection, scripts)
        after = rows[-1]["id"]


def _localized_script(row: Any) -> Script | None:
    """The script of `row` with the localized texts of its latest version's metadata, or None
    when it has none (or its block breaks today's rules)."""
    entries = tuple(
        (key, value)
        for key, values in row["metadata"].items()
        if ":" in key
        for value in (values if isinstance(values, list) else [values])
        if isinstance(value, str)
    )
    try:
        localized = declared_fields(Metadata(BlockKind.USERSCRIPT, entries, 0, 0)).localized
    except ValidationError:
        return None
    if not localized:
        return None
    return Script(
        id=row["id"],
        owner_id=row["owner_id"],
        slug=row["slug"],
        name=row["name"],
        language=Language(row["language"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        tags=list(row["tags"]),
        localized=localized,
    )


def _reindex(connection: sa.Connection, scripts: list[Script]) -> None:
    if connection.dialect.name == "postgresql":
        document = postgres_document(
            sa.bindparam("name", type_=sa.Text()),
            sa.bindparam("tags", type_=sa.Text()),
            sa.bindparam("description", type_=sa.Text()),
        )
        connection.execute(
            sa.update(postgresql_search)
            .where(postgresql_search.c.script_id == sa.bindparam("id"))
            .values(document=document),
            [{"id": script.id, **search_words(script)} for script in scripts],
        )
        return
    rowids = [{"old_rowid": search_rowid(script.id)} for script in scripts]
    connection.execute(
        sa.delete(sqlite_search).where(sqlite_search.c.rowid == sa.bindparam("old_rowid")), rowids
    )
    connection.execute(
        sa.insert(sqlite_search),
        [
            {"rowid": search_rowid(script.id), "script_id": script.id, **search_words(script)}
            for script in scripts
        ],
    )
