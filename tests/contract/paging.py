"""Keyset pages, newest first, as the repository suites read and expect them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.audit import AuditEntry
from scripthub.domain.users import User
from tests.contract.samples import T0

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from datetime import datetime

Row = TypeVar("Row", User, AuditEntry)


def staggered(count: int) -> list[datetime]:
    """Timestamps for `count` rows, most of them shared: ties must page like any other rows."""
    spread = [T0, T0, T0, T0 + timedelta(seconds=1), T0 - timedelta(microseconds=1)]
    return [spread[i % len(spread)] for i in range(count)]


def newest_first(rows: list[Row], at: Callable[[Row], datetime]) -> list[Row]:
    return sorted(rows, key=lambda row: (at(row), row.id), reverse=True)


async def every_page(
    search: Callable[[Keyset | None], Awaitable[list[Row]]], at: Callable[[Row], datetime]
) -> list[list[Row]]:
    """The pages of `search`, each asked for after the last row of the one before."""
    pages = [await search(None)]
    while pages[-1]:
        last = pages[-1][-1]
        pages.append(await search(Keyset(at(last), last.id)))
    return pages
