"""Runs the source sync worker: inside each server process, or alone (`scripthub sources
sync`), supervised like the mail dispatcher (a failed pass is logged and retried after a
backoff)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import Counter, Gauge

from scripthub.application.ports.sources import JobStatus
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.containers import Container
from scripthub.entrypoints.mail_worker import DispatcherStatus, DispatcherWatch, backoff_seconds
from scripthub.entrypoints.outages import OutageLog, described

logger = logging.getLogger("scripthub.sources")

POLL_SECONDS = 1.0
SCRAPE_QUERY_SECONDS = 2.0

SYNCS_RUN = Counter("scripthub_source_syncs_total", "Source syncs run to a result")
SYNC_RETRIES = Counter(
    "scripthub_source_sync_retries_total", "Source syncs that failed on our side, to be retried"
)
SYNC_JOBS = Gauge(
    "scripthub_source_sync_jobs",
    "Source sync jobs",
    ["status"],
    multiprocess_mode="livemostrecent",
)
OLDEST_PENDING = Gauge(
    "scripthub_source_sync_oldest_pending_age_seconds",
    "How long the oldest sync not yet run has waited (0 with none waiting)",
    multiprocess_mode="livemostrecent",
)
WORKER_STATUS = Gauge(
    "scripthub_source_sync_worker_status",
    "1 for the in-process sync worker's current status, 0 for the others",
    ["status"],
    multiprocess_mode="livemax",
)


async def sync_once(container: Container) -> None:
    report = await container.use_cases.run_source_syncs().run_once()
    SYNCS_RUN.inc(report.ran)
    SYNC_RETRIES.inc(report.retrying)


async def sync_until(
    container: Container,
    stop: asyncio.Event,
    watch: DispatcherWatch,
    poll_seconds: float = POLL_SECONDS,
) -> None:
    """Until `stop` is set, checked between syncs; an unreachable database pauses syncing
    (logged once per outage), any other failure is logged every time, and the next pass
    comes after a growing backoff."""
    outage = OutageLog(logger, "source syncs paused", "source syncs resumed")
    while not stop.is_set():
        try:
            await sync_once(container)
        except ServiceUnavailableError as error:
            watch.pass_ended(failed=True)
            outage.failed(described(error))
        except Exception:
            watch.pass_ended(failed=True)
            logger.exception("source sync pass failed (%d in a row)", watch.failures)
        else:
            watch.pass_ended(failed=False)
            outage.worked()
        delay = backoff_seconds(watch.failures) if watch.failures else poll_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)


class SyncGauges:
    """The sync gauges set at scrape time: the jobs by status, the oldest pending one's age
    and the in-process worker's status. A scrape never fails for them."""

    def __init__(self, container: Container, watch: DispatcherWatch | None) -> None:
        self._store = container.adapters.sync_job_store()
        self._clock = container.adapters.clock()
        self._watch = watch
        self._outage = OutageLog(
            logger, "the sync jobs are not counted", "the sync jobs are counted again"
        )

    async def refresh(self) -> None:
        if self._watch is not None:
            current = self._watch.status()
            for status in DispatcherStatus:
                WORKER_STATUS.labels(str(status)).set(status is current)
        try:
            async with asyncio.timeout(SCRAPE_QUERY_SECONDS):
                counts = await self._store.count_by_status()
                oldest = await self._store.oldest_pending_created_at()
        except Exception as error:  # noqa: BLE001 - a broken job table must not break /metrics
            self._outage.failed(f"{type(error).__name__}: {error}")
            return
        self._outage.worked()
        for job_status in JobStatus:
            SYNC_JOBS.labels(str(job_status)).set(counts.get(job_status, 0))
        age = 0.0 if oldest is None else (self._clock.now() - oldest).total_seconds()
        OLDEST_PENDING.set(max(age, 0.0))
