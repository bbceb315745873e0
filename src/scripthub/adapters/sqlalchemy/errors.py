"""Driver errors translated into the application's own errors."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import make_url
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from scripthub.domain.errors import (
    BadRequestError,
    ConflictError,
    DomainError,
    EmailTakenError,
    NotFoundError,
    ServiceUnavailableError,
    SlugTakenError,
    UsernameTakenError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

NUL_MESSAGE = "text must not contain NUL characters"

# SQLSTATE classes meaning "this server cannot serve us now": connection exception, invalid
# authorization, unknown database (both seen at connect time), insufficient resources (too
# many connections, disk full), operator intervention (shutting down, starting up).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "28", "3D", "53", "57")
# PostgreSQL refuses NUL in text ("invalid byte sequence") and in JSONB ("unsupported Unicode
# escape sequence"); SQLite stores it. `mapping` rejects NUL in everything written, so these
# can only come from a lookup, which then answers like a bad request rather than a crash.
_NUL_SQLSTATES = ("22021", "22P05")
# Serialization failure and deadlock: PostgreSQL rolled back one of two transactions that
# collided; the client's request was fine and may simply be sent again.
_COLLISION_SQLSTATES = ("40001", "40P01")


def is_unavailable_sqlstate(sqlstate: str | None) -> bool:
    return (sqlstate or "").startswith(_UNAVAILABLE_SQLSTATE_CLASSES)


def _is_unavailable(error: BaseException) -> bool:
    """True if `error` means the database cannot be reached, rather than a bad statement."""
    if isinstance(error, OSError | OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None)
        return error.connection_invalidated or is_unavailable_sqlstate(sqlstate)
    return False


def translate_integrity_error(error: IntegrityError) -> NotFoundError | ConflictError:
    """The domain error for a violated constraint: a missing referenced row, a taken email,
    username or slug, or another conflict."""
    message = str(error.orig)
    if getattr(error.orig, "sqlstate", None) == "23503" or "FOREIGN KEY" in message:
        return NotFoundError("a row this refers to does not exist")
    if _violates(message, "uq_users_email_live", "users.email"):
        return EmailTakenError("email is already registered")
    if _violates(message, "uq_users_username_live", "users.username"):
        return UsernameTakenError("username is already taken")
    if _violates(message, "uq_scripts_slug_live", "scripts.slug"):
        return SlugTakenError("slug is already taken")
    return ConflictError("conflicts with existing data")


def _violates(message: str, index: str, column: str) -> bool:
    # PostgreSQL names the index; SQLite names the column(s).
    return f'"{index}"' in message or message.endswith(f"constraint failed: {column}")


def domain_error_for(error: BaseException) -> DomainError | None:
    """The application's error for a driver error, or None for anything else (a bug)."""
    if isinstance(error, IntegrityError):
        return translate_integrity_error(error)
    if _is_unavailable(error):
        return ServiceUnavailableError("database unavailable")
    sqlstate = getattr(error.orig, "sqlstate", None) if isinstance(error, DBAPIError) else None
    if sqlstate in _NUL_SQLSTATES:
        return BadRequestError(NUL_MESSAGE)
    if sqlstate in _COLLISION_SQLSTATES:
        return ConflictError("collided with a concurrent change; send the request again")
    return None


@contextmanager
def database_errors() -> Iterator[None]:
    """Re-raise driver errors that have a meaning for the application as its own errors."""
    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        translated = domain_error_for(error)
        if translated is None:
            raise
        raise translated from error


def why_unreachable(url: str, error: BaseException) -> str:
    """An operator's sentence on why the database at `url` cannot be used: `error` (from
    `database_errors`, or the driver's) says whether the server or the database is missing."""
    target = make_url(url)
    where = f"{target.host or 'localhost'}:{target.port or 5432}"
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    sqlstate = getattr(root, "sqlstate", None) or ""
    if sqlstate.startswith("3D"):
        return (
            f'the database "{target.database}" does not exist on the server at {where}: '
            "create it, then run `scripthub db upgrade`"
        )
    if sqlstate.startswith("28"):
        return f"the server at {where} refused the credentials ({root})"
    if isinstance(root, OSError | TimeoutError):
        return f"the database server at {where} cannot be reached ({root}): is it running?"
    return f"the database at {where} cannot be used ({type(root).__name__}: {root})"
