"""What the commands learn of a database through its driver alone (asyncpg or sqlite3): its
revision, and why it cannot be used.

SQLAlchemy is not imported here: the master of `scripthub serve` checks the schema before
any worker starts, on the path to the first answer, and SQLAlchemy's asyncio engine took
about 0.4 s of CPU to import there (bench/README.md, start-up). The URLs are SQLAlchemy's
(`postgresql+asyncpg://...`, `sqlite+aiosqlite:///path`), read as SQLAlchemy reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

# SQLSTATE classes meaning "this server cannot serve us now": connection exception, invalid
# authorization, unknown database (both seen at connect time), insufficient resources (too
# many connections, disk full), operator intervention (shutting down, starting up).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "28", "3D", "53", "57")
_POSTGRES_PORT = 5432
# Alembic's own table, as env.py keeps it: one row, none before the first migration.
REVISION_QUERY = "SELECT version_num FROM alembic_version"


def is_unavailable_sqlstate(sqlstate: str | None) -> bool:
    return (sqlstate or "").startswith(_UNAVAILABLE_SQLSTATE_CLASSES)


def _database(url: str) -> str | None:
    """The database part of `url` (a path for SQLite), decoded; None when there is none."""
    path = urlsplit(url).path
    return unquote(path[1:]) if path.startswith("/") and len(path) > 1 else None


def _is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme.split("+")[0] == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL, or None for another backend or an in-memory one."""
    database = _database(url)
    if not _is_sqlite(url) or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def without_password(url: str) -> str:
    """`url` to show: its password, if it has one, as `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, address = parts.netloc.rpartition("@")
    hidden = f"{user.partition(':')[0]}:***@{address}"
    return parts._replace(netloc=hidden).geturl()


def why_unreachable(url: str, error: BaseException) -> str:
    """An operator's sentence on why the database at `url` cannot be used: `error` (a
    ServiceUnavailableError, or the driver's) says whether the server or the database is
    missing."""
    target = urlsplit(url)
    where = f"{target.hostname or 'localhost'}:{target.port or _POSTGRES_PORT}"
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    sqlstate = getattr(root, "sqlstate", None) or ""
    if sqlstate.startswith("3D"):
        return (
            f'the database "{_database(url)}" does not exist on the server at {where}: '
            "create it, then run `scripthub db upgrade`"
        )
    if sqlstate.startswith("28"):
        return f"the server at {where} refused the credentials ({root})"
    if isinstance(root, OSError | TimeoutError):
        return f"the database server at {where} cannot be reached ({root}): is it running?"
    return f"the database at {where} cannot be used ({type(root).__name__}: {root})"


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at, or None if it was never migrated (a SQLite
    file that is not there is not created). Raises ServiceUnavailableError when it cannot be
    reached."""
    if _is_sqlite(url):
        path = sqlite_file(url)
        if path is None or not path.exists():
            return None
        return await asyncio.to_thread(_sqlite_revision, path)
    return await _postgres_revision(url)


def _sqlite_revision(path: Path) -> str | None:
    with _unavailable_on(sqlite3.OperationalError, sqlite3.InterfaceError):
        connection = sqlite3.connect(path)
        try:
            tables = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            )
            if tables.fetchone() is None:
                return None
            return _only([row[0] for row in connection.execute(REVISION_QUERY)])
        finally:
            connection.close()


async def _postgres_revision(url: str) -> str | None:
    # Imported here: the embedded wiring's commands never load it.
    import asyncpg  # noqa: PLC0415

    dsn = urlsplit(url)._replace(scheme="postgresql").geturl()
    with _unavailable_on(asyncpg.InterfaceError):
        try:
            connection = await asyncpg.connect(dsn)
            try:
                if await connection.fetchval("SELECT to_regclass('alembic_version')") is None:
                    return None
                return _only([row[0] for row in await connection.fetch(REVISION_QUERY)])
            finally:
                await connection.close()
        except asyncpg.PostgresError as error:
            if is_unavailable_sqlstate(error.sqlstate):
                raise ServiceUnavailableError("database unavailable") from error
            raise


def _only(revisions: list[str]) -> str | None:
    """The one revision Alembic keeps for a history without branches (ours)."""
    if len(revisions) > 1:
        msg = f"alembic_version holds several revisions: {', '.join(revisions)}"
        raise RuntimeError(msg)
    return revisions[0] if revisions else None


@contextlib.contextmanager
def _unavailable_on(*driver_errors: type[Exception]) -> Iterator[None]:
    """A socket error or one of the driver's `driver_errors` as ServiceUnavailableError, as
    `database_errors` translates them under SQLAlchemy."""
    unavailable: tuple[type[Exception], ...] = (OSError, *driver_errors)
    try:
        yield
    except unavailable as error:
        raise ServiceUnavailableError("database unavailable") from error
