"""Apply and inspect the schema migrations, from code (the CLI and start-up use these).

Alembic is imported by the functions that change the schema or list its history (ruff's
TID253 keeps it so): every readiness probe only compares the database's revision with the
code's (`schema_revisions`), and reads both without it. The schema check of `scripthub
serve`'s master needs neither this module nor SQLAlchemy (`database_driver`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.database_driver import REVISION_QUERY
from scripthub.adapters.schema_revisions import SCRIPT_LOCATION, SchemaState, schema_state
from scripthub.adapters.sqlalchemy.engine import ensure_sqlite_directory
from scripthub.adapters.sqlalchemy.errors import database_errors

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationInfo
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

Progress = Callable[[str], None]
"""Told one line per migration step as it is applied."""


@dataclass(frozen=True)
class Migration:
    revision: str
    title: str


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    # Config values go through ConfigParser interpolation, where '%' is special.
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def migration_history() -> list[Migration]:
    """Every migration the code knows, newest first."""
    revisions = _scripts().walk_revisions()
    return [Migration(revision.revision, revision.doc) for revision in revisions]


class SqlAlchemySchemaProbe:
    """The schema state of the database the application's `engine` serves."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def state(self) -> SchemaState:
        """Raises ServiceUnavailableError when the database cannot be reached."""
        with database_errors():
            async with self._engine.connect() as connection:
                revision = await connection.run_sync(_read_revision)
        return schema_state(revision)


async def upgrade_database(
    url: str, revision: str = "head", progress: Progress | None = None
) -> None:
    """Migrate the database at `url` up to `revision`; creates a SQLite file's folder."""
    from alembic import command

    await _run(url, command.upgrade, revision, progress)


async def downgrade_database(url: str, revision: str, progress: Progress | None = None) -> None:
    """Migrate the database at `url` down to `revision` (`"base"` drops everything)."""
    from alembic import command

    await _run(url, command.downgrade, revision, progress)


def _read_revision(connection: Connection) -> str | None:
    """The database's revision as Alembic records it, in its default table (env.py keeps
    it): one row, none before the first migration; read without loading Alembic."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    revisions = connection.execute(text(REVISION_QUERY))
    return revisions.scalar_one_or_none()


def _reporting(progress: Progress) -> Callable[..., None]:
    titles = {migration.revision: migration.title for migration in migration_history()}

    def on_version_apply(*, step: MigrationInfo, **_: Any) -> None:
        source = ",".join(step.source_revision_ids) or "base"
        destination = ",".join(step.destination_revision_ids) or "base"
        title = titles.get(step.up_revision_id or "", "")
        direction = "upgraded" if step.is_upgrade else "downgraded"
        progress(f"{direction} {source} -> {destination}: {title}")

    return on_version_apply


async def _run(
    url: str,
    alembic_command: Callable[[Config, str], None],
    revision: str,
    progress: Progress | None,
) -> None:
    ensure_sqlite_directory(url)
    # Without the application's connect hooks: SQLite batch migrations must be able to drop
    # and recreate tables that foreign keys point at.
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        with database_errors():
            async with engine.begin() as connection:
                await connection.run_sync(_run_command, alembic_command, revision, progress)
    finally:
        await engine.dispose()


def _run_command(
    connection: Connection,
    alembic_command: Callable[[Config, str], None],
    revision: str,
    progress: Progress | None,
) -> None:
    config = _config()
    config.attributes["connection"] = connection
    if progress is not None:
        config.attributes["on_version_apply"] = _reporting(progress)
    alembic_command(config, revision)
