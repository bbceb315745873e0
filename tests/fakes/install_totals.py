"""The scripts' install totals, as the flusher's transactions see them, with failures on demand."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Self

from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from collections.abc import Mapping


class InMemoryInstallTotals:
    """Committed totals per script; `transaction` is the flusher's unit-of-work factory.

    Set `fail_add` or `fail_commit` to make the database unavailable at that step; `on_add`
    runs inside a transaction, once it has staged its counts (to race another flusher).
    """

    def __init__(self) -> None:
        self.totals: Counter[uuid.UUID] = Counter()
        self.commits = 0
        self.fail_add = False
        self.fail_commit = False
        self.on_add: Callable[[], Awaitable[None]] | None = None
        self._committed = asyncio.Condition()

    def transaction(self) -> InstallTotalsTransaction:
        return InstallTotalsTransaction(self)

    async def until_committed(self, commits: int) -> None:
        """Wait until that many transactions have committed."""
        async with self._committed:
            await self._committed.wait_for(lambda: self.commits >= commits)

    async def _commit(self, staged: Counter[uuid.UUID]) -> None:
        async with self._committed:
            self.totals.update(staged)
            self.commits += 1
            self._committed.notify_all()


class InstallTotalsTransaction:
    """Stages counts; only `commit` adds them to the totals."""

    def __init__(self, database: InMemoryInstallTotals) -> None:
        self._database = database
        self._staged: Counter[uuid.UUID] = Counter()

    @property
    def scripts(self) -> Self:
        return self

    async def add_install_counts(self, counts: Mapping[uuid.UUID, int]) -> None:
        if self._database.fail_add:
            raise ServiceUnavailableError("database unavailable")
        self._staged.update(counts)
        if self._database.on_add is not None:
            await self._database.on_add()

    async def commit(self) -> None:
        if self._database.fail_commit:
            raise ServiceUnavailableError("database unavailable")
        await self._database._commit(self._staged)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """What was staged and not committed dies with the transaction."""
