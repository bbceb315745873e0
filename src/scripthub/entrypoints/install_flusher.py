"""Install counting at the edge: the flusher's loop in each server process, and the raw
route's recording, which never fails a download."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from prometheus_client import Counter

from scripthub.domain.errors import DomainError, ServiceUnavailableError
from scripthub.entrypoints.outages import OutageLog, described

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.application.installs.flush_installs import FlushInstalls
    from scripthub.application.ports.install_counter import InstallCounter

logger = logging.getLogger("scripthub.installs")

INSTALLS_FLUSHED = Counter(
    "scripthub_installs_flushed_total", "Installs added to the scripts' install counts"
)
INSTALL_COUNT_ERRORS = Counter(
    "scripthub_install_count_errors_total",
    "Installs served uncounted (stage=record) and flushes that failed (stage=flush)",
    ["stage"],
)
for _stage in ("record", "flush"):
    INSTALL_COUNT_ERRORS.labels(_stage)  # shown as 0 before the first failure

FLUSH_SECONDS = 2.0
"""With a flush taking well under a second, `install_count` lags installs by under 5 s."""


def flush_outage_log() -> OutageLog:
    """The flusher's: an outage is said once, not at every flush while a store is down."""
    return OutageLog(logger, "install flushes fail", "install flushes work again")


async def flush_once(flush: FlushInstalls, outage: OutageLog) -> None:
    """One flush; a failure is counted and told to `outage`, and its counts wait for the
    next one."""
    try:
        report = await flush.run_once()
    except DomainError as error:
        INSTALL_COUNT_ERRORS.labels("flush").inc()
        outage.failed(described(error))
    else:
        INSTALLS_FLUSHED.inc(report.installs)
        outage.worked()


async def flush_until(
    flush: FlushInstalls, stop: asyncio.Event, every: float = FLUSH_SECONDS
) -> None:
    """Flush every `every` seconds until `stop` is set, then once more, so that a server
    stopping writes what its last seconds counted. `stop` is checked between flushes: a flush
    is never cut off in the middle of its transaction."""
    outage = flush_outage_log()
    while not stop.is_set():
        await flush_once(flush, outage)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
    await flush_once(flush, outage)


class InstallRecorder:
    """The raw route's side: count an install if the counter can, serve the script anyway.

    A counter that cannot be reached costs uncounted installs (counted in /metrics), never a
    failed download; the log says when counting stops working and when it works again, not
    once per request.
    """

    def __init__(self, counter: InstallCounter) -> None:
        self._counter = counter
        self._outage = OutageLog(
            logger, "installs are not being counted", "installs are being counted again"
        )

    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:
        """Whether the install was counted (False: de-duplicated, or the counter is down)."""
        try:
            counted = await self._counter.record(script_id, client, now)
        except ServiceUnavailableError as error:
            INSTALL_COUNT_ERRORS.labels("record").inc()
            self._outage.failed(described(error))
            return False
        self._outage.worked()
        return counted
