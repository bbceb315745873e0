"""What the `scripthub` commands do with the database schema: migrate it, and say why a
command must not run on a database (unreachable, missing, or not at this code's revision).

`cli` imports this module only when a command needs it, and the check `serve` makes before
its workers start reads the revisions with the database driver alone: the master's imports
are on the path to the first answer (bench/README.md). SQLAlchemy and Alembic come with
`migrations`, imported when there is something to migrate or a `db` command runs."""

from __future__ import annotations

import argparse
import asyncio
from types import ModuleType

from scripthub.adapters.database_driver import current_revision, sqlite_file, why_unreachable
from scripthub.adapters.schema_revisions import SchemaState, head_revision, schema_state
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.settings import Settings


def _migrations() -> ModuleType:
    """Alembic's migrations, and SQLAlchemy with them: imported to change the schema."""
    from scripthub.adapters.sqlalchemy import migrations  # noqa: PLC0415

    return migrations


def migrate_embedded(settings: Settings) -> None:
    """The embedded database migrates itself: a fresh checkout needs no `db upgrade`. One
    already at the code's revision is left as it is, without loading Alembic."""
    url = settings.database_url
    if not settings.uses_sqlite:
        return
    if schema_state(asyncio.run(current_revision(url))) is not SchemaState.OK:
        asyncio.run(_migrations().upgrade_database(url))


def refusal_to_serve(settings: Settings, *, migrate: bool) -> str | None:
    """Migrates when asked to (the embedded database always is), then says why a server must
    not start on the database, or None if it may."""
    try:
        if migrate:
            asyncio.run(_migrations().upgrade_database(settings.database_url))
        else:
            migrate_embedded(settings)
    except ServiceUnavailableError as error:
        return why_unreachable(settings.database_url, error)
    return _unusable(settings.database_url)


def refusal_to_use(url: str) -> str | None:
    """Why a command that works on an existing catalogue must not run on `url`."""
    return _missing(url) or _unusable(url)


def db_command(settings: Settings, args: argparse.Namespace) -> str | None:
    """Runs `scripthub db ...`, printing what it did; returns why it refused, if it did."""
    url = settings.database_url
    migrations = _migrations()
    if args.db_command == "history":
        revision = asyncio.run(current_revision(url))
        for migration in migrations.migration_history():
            current = " (current)" if migration.revision == revision else ""
            print(f"{migration.revision}  {migration.title}{current}")
        return None
    progress = _print_progress
    if args.db_command == "upgrade":
        asyncio.run(migrations.upgrade_database(url, progress=progress))
    elif args.db_command == "downgrade":
        if refusal := _missing(url):
            return refusal
        asyncio.run(migrations.downgrade_database(url, args.revision, progress=progress))
    revision = asyncio.run(current_revision(url))
    head = head_revision()
    print(f"{revision or 'none'}{' (head)' if revision == head else f' (head is {head})'}")
    return None


def _print_progress(line: str) -> None:
    print(line, flush=True)


def _unusable(url: str) -> str | None:
    """Why a command must not run on the database at `url` (unreachable, or its schema is
    not the code's), or None if it may."""
    try:
        return _schema_refusal(url)
    except ServiceUnavailableError as error:
        return why_unreachable(url, error)


def _missing(url: str) -> str | None:
    """Why a command that needs an existing database must not run on `url`: a SQLite file
    that is not there, which opening it would create empty."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return None
    return (
        f"there is no database in {path.resolve().parent} (no {path.name}): run this "
        "command from the folder you serve from, or create the database here with "
        "`scripthub db upgrade` (set SCRIPTHUB_DATABASE_URL to use another one)"
    )


def _schema_refusal(url: str) -> str | None:
    """Why a server must not start on the database at `url`, or None if its schema is the
    code's."""
    revision = asyncio.run(current_revision(url))
    state = schema_state(revision)
    if state is SchemaState.OK:
        return None
    head = head_revision()
    if state is SchemaState.AHEAD:
        return (
            f"the database is at revision {revision}, which this code does not know (newer "
            f"code migrated it; this code's newest is {head}): run the newer code"
        )
    at = f"at revision {revision}" if revision else "not migrated (no schema yet)"
    return (
        f"the database is {at}; this code needs revision {head}: run `scripthub db upgrade` "
        "first, or start with `scripthub serve --migrate`"
    )
