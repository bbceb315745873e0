"""The sites with the most scripts: the entrance of browsing by site."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scripthub.application.ports.scripts import SiteCount
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory

TOP_SITES = 100
REFRESH_AFTER = timedelta(seconds=60)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListTopSitesQuery:
    limit: int = TOP_SITES


@dataclass
class ListTopSites:
    """The hosts that most listed scripts run on, most first (`ScriptRepository.top_sites`).

    Counting groups every script's sites, so it is not done per request: the last count is
    kept in this process and answered; once it is older than `REFRESH_AFTER`, a request
    starts counting again in the background and still gets the last count. Only the first
    request of the process waits for a count (requests meanwhile wait for the same one).
    A background count that fails is logged and the older count kept; the next request
    tries again.
    """

    uow_factory: UnitOfWorkFactory
    clock: Clock
    _sites: list[SiteCount] | None = field(default=None, init=False)
    _counted_at: datetime | None = field(default=None, init=False)
    _counting: asyncio.Task[None] | None = field(default=None, init=False)

    async def execute(self, query: ListTopSitesQuery) -> list[SiteCount]:
        if self._counting is None and self._stale():
            self._counting = asyncio.create_task(self._count())
            self._counting.add_done_callback(self._counted)
        if self._sites is None and self._counting is not None:
            await asyncio.shield(self._counting)
        return (self._sites or [])[: query.limit]

    def _stale(self) -> bool:
        return self._counted_at is None or self.clock.now() - self._counted_at >= REFRESH_AFTER

    async def _count(self) -> None:
        async with self.uow_factory() as uow:
            sites = await uow.scripts.top_sites(TOP_SITES)
        self._sites, self._counted_at = sites, self.clock.now()

    def _counted(self, task: asyncio.Task[None]) -> None:
        self._counting = None
        if not task.cancelled() and (error := task.exception()) is not None:
            _log.warning("Counting the top sites failed: %s", error)
