"""Apply and inspect the schema migrations, from code (the CLI and start-up use these).

Alembic is imported by the functions that change the schema or list its history (ruff's
TID253 keeps it so): the schema check of `scripthub serve`'s master and every readiness probe
only compare the database's revision with the code's, and read both without it."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.sqlalchemy.engine import ensure_sqlite_directory, sqlite_file
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


def _script_location() -> Path:
    """The Alembic script directory: inside the installed package, else the repository's.

    A wheel carries `alembic/` as `scripthub/migrations/` (pyproject's hatch `force-include`);
    an editable install or a checkout runs `src/scripthub` itself, with `alembic/` at the root.
    """
    package = Path(__file__).resolve().parents[2]
    installed = package / "migrations"
    if (installed / "env.py").is_file():
        return installed
    return package.parents[1] / "alembic"


SCRIPT_LOCATION = _script_location()


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    # Config values go through ConfigParser interpolation, where '%' is special.
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


_MIGRATION_FILE = re.compile(r"(\d{4})_\w+\.py")
"""A migration's file: its revision, then its name (`0014_search_tiers.py` is revision 0014)."""


@functools.cache
def code_revisions() -> tuple[str, ...]:
    """Every revision the code knows, oldest first, from the migration files' names.

    Alembic's script directory answers by importing Alembic and executing every migration
    file, about 0.2 s of CPU in the master of `scripthub serve` before any worker starts, and
    14 ms on every readiness probe (bench/README.md, start-up). The files are numbered without
    gaps, each by its revision (`test_migrations` holds both against Alembic's own walk)."""
    names = (path.name for path in (SCRIPT_LOCATION / "versions").iterdir())
    return tuple(sorted(match[1] for name in names if (match := _MIGRATION_FILE.fullmatch(name))))


def head_revision() -> str:
    """The newest revision the code knows."""
    revisions = code_revisions()
    if not revisions:
        msg = f"no migrations found in {SCRIPT_LOCATION}"
        raise RuntimeError(msg)
    return revisions[-1]


def migration_history() -> list[Migration]:
    """Every migration the code knows, newest first."""
    revisions = _scripts().walk_revisions()
    return [Migration(revision.revision, revision.doc) for revision in revisions]


class SchemaState(enum.StrEnum):
    OK = "ok"
    BEHIND = "behind"
    """At an older revision, or never migrated: `scripthub db upgrade` brings it to the code's."""
    AHEAD = "ahead"
    """At a revision this code does not know: newer code migrated it."""


def schema_state(revision: str | None) -> SchemaState:
    """Where a database at `revision` stands against the code's head."""
    if revision == head_revision():
        return SchemaState.OK
    if revision is None:
        return SchemaState.BEHIND
    return SchemaState.BEHIND if revision in code_revisions() else SchemaState.AHEAD


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


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at, or None if it was never migrated (a SQLite
    file that is not there is not created)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        with database_errors():
            async with engine.connect() as connection:
                return await connection.run_sync(_read_revision)
    finally:
        await engine.dispose()


def _read_revision(connection: Connection) -> str | None:
    """The database's revision as Alembic records it, in its default table (env.py keeps
    it): one row, none before the first migration; read without loading Alembic."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    revisions = connection.execute(text("SELECT version_num FROM alembic_version"))
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
