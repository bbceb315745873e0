"""Runs the outbox dispatcher: inside each server process, or alone (`scripthub mail dispatch`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from prometheus_client import Counter, Gauge

from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.mail import DeliveryStatus
from scripthub.entrypoints.containers import Container

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

POLL_SECONDS = 1.0
GAUGE_REFRESH_SECONDS = 30.0


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


async def dispatch_until(container: Container, stop: asyncio.Event) -> None:
    """Until `stop` is set, checked between batches: a batch is never cut off in the middle of
    a statement, which would leave its connection out of the pool. An unreachable database
    only pauses delivery; nothing is lost."""
    refreshed = 0.0
    while not stop.is_set():
        try:
            await dispatch_once(container)
            if time.monotonic() - refreshed > GAUGE_REFRESH_SECONDS:
                await refresh_outbox_gauge(container)
                refreshed = time.monotonic()
        except ServiceUnavailableError as error:
            logger.warning("mail dispatch paused: %s", error.detail)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)
