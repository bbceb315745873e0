"""Runs the outbox dispatcher: inside each server process, or alone (`scripthub mail dispatch`),
supervised: a failed pass is logged and retried after a backoff, never the end of delivery."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge

from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.mail import DeliveryStatus
from scripthub.entrypoints.containers import Container
from scripthub.entrypoints.outages import OutageLog, described

if TYPE_CHECKING:
    from scripthub.application.ports.system import Clock

logger = logging.getLogger("scripthub.mail")

MAIL_SENT = Counter("scripthub_mail_sent_total", "Mails accepted by the mail server")
MAIL_FAILED = Counter("scripthub_mail_failed_total", "Mails given up on after the last retry")
MAIL_RETRIES = Counter("scripthub_mail_retries_total", "Failed attempts that will be retried")
# Every worker's dispatcher counts the same outbox: the latest count of a live one is the count.
OUTBOX = Gauge(
    "scripthub_mail_outbox_messages",
    "Mails in the outbox",
    ["status"],
    multiprocess_mode="livemostrecent",
)
DISPATCH_ERRORS = Counter(
    "scripthub_mail_dispatch_errors_total", "Dispatcher passes that failed (each one logged)"
)
DISPATCHER_STATUS = Gauge(
    "scripthub_mail_dispatcher_status",
    "1 for the in-process dispatcher's current status, 0 for the others",
    ["status"],
    multiprocess_mode="livemax",  # with several workers: a status any live worker is in
)
OLDEST_PENDING = Gauge(
    "scripthub_mail_oldest_pending_age_seconds",
    "How long the oldest mail not yet sent has waited (0 with none waiting)",
)

POLL_SECONDS = 1.0
GAUGE_REFRESH_SECONDS = 30.0
SCRAPE_QUERY_SECONDS = 2.0
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
STUCK_AFTER = timedelta(minutes=5)
"""A pass runs batch after batch until nothing is due: only a backlog of thousands of mails
keeps a working dispatcher in one pass this long."""


class DispatcherStatus(enum.StrEnum):
    OK = "ok"
    FAILING = "failing"
    """Its last pass raised; it tries again after a backoff."""
    STUCK = "stuck"
    """No pass has ended for `STUCK_AFTER`: hung on a statement or a mail server."""
    DEAD = "dead"
    """Its task ended: no mail leaves this process."""


class DispatcherWatch:
    """What a dispatcher last did, for /health/ready and /metrics."""

    def __init__(self, clock: Clock, stuck_after: timedelta = STUCK_AFTER) -> None:
        self._clock = clock
        self._stuck_after = stuck_after
        self._task: asyncio.Task[None] | None = None
        self._pass_ended = clock.now()
        self.failures = 0
        """Passes failed in a row."""

    def watch(self, task: asyncio.Task[None]) -> None:
        self._task = task
        self._pass_ended = self._clock.now()

    def pass_ended(self, *, failed: bool) -> None:
        self._pass_ended = self._clock.now()
        self.failures = self.failures + 1 if failed else 0

    def status(self) -> DispatcherStatus:
        if self._task is not None and self._task.done():
            return DispatcherStatus.DEAD
        if self.failures:
            return DispatcherStatus.FAILING
        if self._clock.now() - self._pass_ended > self._stuck_after:
            return DispatcherStatus.STUCK
        return DispatcherStatus.OK


async def dispatch_once(container: Container) -> None:
    report = await container.use_cases.deliver_mail().run_once()
    MAIL_SENT.inc(report.sent)
    MAIL_FAILED.inc(report.failed)
    MAIL_RETRIES.inc(report.retrying)


async def refresh_outbox_gauge(container: Container) -> dict[DeliveryStatus, int]:
    counts: dict[DeliveryStatus, int]
    counts = await container.adapters.outbox_dispatch_store().count_by_status()
    for status, count in counts.items():
        OUTBOX.labels(str(status)).set(count)
    return counts


class MailGauges:
    """The mail gauges set at scrape time: the in-process dispatcher's status (`watch`, None
    with an external dispatcher) and the oldest pending mail's age. A scrape never fails for
    them: an age that cannot be read stays as it was, and the log says so once per outage."""

    def __init__(self, container: Container, watch: DispatcherWatch | None) -> None:
        self._deliver_mail = container.use_cases.deliver_mail()
        self._watch = watch
        self._outage = OutageLog(
            logger, "the oldest pending mail's age is not measured", "it is measured again"
        )

    async def refresh(self) -> None:
        if self._watch is not None:
            current = self._watch.status()
            for status in DispatcherStatus:
                DISPATCHER_STATUS.labels(str(status)).set(status is current)
        try:
            age = await asyncio.wait_for(
                self._deliver_mail.oldest_pending_age(), SCRAPE_QUERY_SECONDS
            )
        except Exception as error:  # noqa: BLE001 - a broken outbox must not break /metrics
            self._outage.failed(f"{type(error).__name__}: {error}")
        else:
            self._outage.worked()
            OLDEST_PENDING.set(age.total_seconds())


def backoff_seconds(failures: int, first: float = FIRST_BACKOFF_SECONDS) -> float:
    return float(min(first * (1 << min(failures - 1, 16)), MAX_BACKOFF_SECONDS))


async def dispatch_until(
    container: Container,
    stop: asyncio.Event,
    watch: DispatcherWatch,
    first_backoff: float = FIRST_BACKOFF_SECONDS,
) -> None:
    """Until `stop` is set, checked between batches: a batch is never cut off in the middle of
    a statement, which would leave its connection out of the pool. An unreachable database
    only pauses delivery (logged once per outage); any other failure is logged with its
    traceback every time. Either way the next pass comes after a growing backoff, and nothing
    is lost."""
    outage = OutageLog(logger, "mail dispatch paused", "mail dispatch resumed")
    refreshed = 0.0
    while not stop.is_set():
        try:
            await dispatch_once(container)
            if time.monotonic() - refreshed > GAUGE_REFRESH_SECONDS:
                await refresh_outbox_gauge(container)
                refreshed = time.monotonic()
        except ServiceUnavailableError as error:
            watch.pass_ended(failed=True)
            outage.failed(described(error))
        except Exception:
            watch.pass_ended(failed=True)
            logger.exception(
                "mail dispatch failed (%d in a row); next pass in %.1f s",
                watch.failures,
                backoff_seconds(watch.failures, first_backoff),
            )
        else:
            watch.pass_ended(failed=False)
            outage.worked()
        if watch.failures:
            DISPATCH_ERRORS.inc()
        delay = backoff_seconds(watch.failures, first_backoff) if watch.failures else POLL_SECONDS
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
