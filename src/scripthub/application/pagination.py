"""Cursor pages: opaque cursors over a (timestamp, id) keyset."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.errors import BadRequestError
from scripthub.domain.text import control_character_problem

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(keyset: Keyset) -> str:
    raw = f"{keyset.at.isoformat()}|{keyset.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Keyset | None:
    """The keyset behind a cursor this API issued; anything else is a BadRequestError."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, key = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(at)
        # A far-off time with an offset can fall outside datetime's range once in UTC.
        return Keyset(moment.astimezone(UTC), uuid.UUID(key))
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadRequestError("The cursor is not one this API issued.") from None


def in_utc(moment: datetime, name: str) -> datetime:
    """`moment` in UTC; a BadRequestError if it has no time zone or if UTC cannot hold it
    (`0001-01-01T00:00:00+14:00` is a year before the first)."""
    if moment.tzinfo is None:
        raise BadRequestError(f"{name} needs a time zone, e.g. 2026-11-21T10:00:00Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadRequestError(f"{name} is out of range.") from None


def page_of(rows: list[T], limit: int, keyset: Callable[[T], Keyset]) -> Page[T]:
    """`rows` were fetched with `limit + 1`: the extra row only says a next page exists."""
    if len(rows) <= limit:
        return Page(rows, None)
    items = rows[:limit]
    return Page(items, encode_cursor(keyset(items[-1])))


def reject_control_characters(**filters: str | None) -> None:
    """Search filters are matched as text: control characters in them are a BadRequestError."""
    for name, value in filters.items():
        if value is not None and (problem := control_character_problem(value)):
            raise BadRequestError(f"{name} {problem}.")
