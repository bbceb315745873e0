"""The install flusher: fold pending install counts into the scripts' totals, a batch at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from scripthub.application.ports.install_counter import (
    InstallCounter,
    InstallTotalsTransaction,
    PendingInstalls,
)
from scripthub.application.ports.system import Clock

logger = logging.getLogger("scripthub.installs")


@dataclass(frozen=True)
class FlushReport:
    installs: int = 0
    """Installs added to the totals by this flush."""
    scripts: int = 0


class FlushInstalls:
    """One flusher; any number (one per server process) may run against the same counter,
    since each batch is claimed by exactly one of them (see `InstallCounter`)."""

    def __init__(
        self,
        counter: InstallCounter,
        transaction: Callable[[], InstallTotalsTransaction],
        clock: Clock,
    ) -> None:
        self._counter = counter
        self._transaction = transaction
        self._clock = clock

    async def run_once(self) -> FlushReport:
        """Add every count pending now to the totals, in one transaction.

        Raises what the stores raise (ServiceUnavailableError when one is down); the counts
        are then pending again, or still claimed and taken back after the claim's lease, and
        the next flush writes them.
        """
        pending = await self._counter.claim(self._clock.now())
        if pending is None:
            return FlushReport()
        if not await self._write(pending):
            return FlushReport()
        return FlushReport(sum(pending.counts.values()), len(pending.counts))

    async def _write(self, pending: PendingInstalls) -> bool:
        # Ascending ids, so that flushers in several processes lock the rows in one order.
        counts = dict(sorted(pending.counts.items()))
        settled = committed = False
        try:
            async with self._transaction() as uow:
                await uow.scripts.add_install_counts(counts)
                settled = await self._counter.settle(pending.claim)
                if not settled:
                    logger.warning("install batch taken over by another flusher; rolled back")
                    return False
                await uow.commit()
                committed = True
        except BaseException:
            # Also on cancellation: a settled batch whose commit never happened is given back.
            # A commit whose outcome the driver lost counts as failed (counted again, rarely).
            if not committed:
                await self._give_back(pending, settled=settled)
            raise
        return True

    async def _give_back(self, pending: PendingInstalls, *, settled: bool) -> None:
        """Best effort: the error that made the flush fail is the one raised."""
        try:
            if settled:
                await self._counter.restore(pending.counts)
            else:
                await self._counter.release(pending.claim)
        except Exception:
            if settled:
                lost = sum(pending.counts.values())
                logger.exception("lost %d installs: neither committed nor given back", lost)
            else:
                logger.warning("install batch left claimed until its lease ends", exc_info=True)
