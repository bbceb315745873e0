"""Driver errors translated into the application's own errors."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from scripthub.adapters.database_driver import is_unavailable_sqlstate
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

# PostgreSQL refuses NUL in text ("invalid byte sequence") and in JSONB ("unsupported Unicode
# escape sequence"); SQLite stores it. `mapping` rejects NUL in everything written, so these
# can only come from a lookup, which then answers like a bad request rather than a crash.
_NUL_SQLSTATES = ("22021", "22P05")
# Serialization failure and deadlock: PostgreSQL rolled back one of two transactions that
# collided; the client's request was fine and may simply be sent again.
_COLLISION_SQLSTATES = ("40001", "40P01")


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
