"""What the row mappings of several areas share: reading rows, checking written values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from scripthub.adapters.sqlalchemy.errors import NUL_MESSAGE
from scripthub.domain.errors import BadRequestError

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable


class ColumnValues(Protocol):
    """A result row read by column name: a SQLAlchemy `RowMapping` or an asyncpg `Record`."""

    def __getitem__(self, name: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


def without_nul(values: dict[str, Any]) -> dict[str, Any]:
    """`values`, checked for NUL characters in any text or JSON document.

    PostgreSQL refuses NUL in text and JSONB where SQLite stores it; checking here makes both
    answer the same bad request instead of one of them failing in the driver.
    """
    if _holds_nul(values):
        raise BadRequestError(NUL_MESSAGE)
    return values


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def names_by_user(
    user_ids: list[uuid.UUID], rows: Iterable[tuple[uuid.UUID, str]]
) -> dict[uuid.UUID, list[str]]:
    """(user id, name) rows as each user's sorted, distinct names; every id is a key.

    Sorted here rather than in SQL, where the order of text depends on the collation.
    """
    names: dict[uuid.UUID, set[str]] = {user_id: set() for user_id in user_ids}
    for user_id, name in rows:
        names[user_id].add(name)
    return {user_id: sorted(held) for user_id, held in names.items()}
