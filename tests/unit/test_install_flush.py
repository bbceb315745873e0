"""Folding install counts into the scripts' totals: exact through database failures, flusher
races and shutdown; and recording that degrades instead of failing a download."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from scripthub.adapters.memory import InMemoryInstallCounter
from scripthub.application.installs.flush_installs import FlushInstalls, FlushReport
from scripthub.application.ports.install_counter import CLAIM_LEASE, install_client
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.install_flusher import (
    InstallRecorder,
    flush_once,
    flush_outage_log,
    flush_until,
)
from tests.fakes.install_totals import InMemoryInstallTotals
from tests.unit.world import SettableClock

SCRIPT = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_SCRIPT = uuid.UUID("00000000-0000-4000-8000-000000000002")


class Installs:
    """A counter, the totals it is flushed into, and a flusher between them."""

    def __init__(self) -> None:
        self.clock = SettableClock()
        self.counter = InMemoryInstallCounter()
        self.database = InMemoryInstallTotals()
        self.flush = FlushInstalls(self.counter, self.database.transaction, self.clock)

    async def install(self, script_id: uuid.UUID, clients: int) -> None:
        for n in range(clients):
            await self.counter.record(script_id, install_client(None, f"10.0.0.{n}"), self.now)

    @property
    def now(self) -> datetime:
        return self.clock.now()


def errors(stage: str) -> float:
    labels = {"stage": stage}
    return REGISTRY.get_sample_value("scripthub_install_count_errors_total", labels) or 0.0


async def test_a_flush_adds_the_pending_counts_once() -> None:
    installs = Installs()
    await installs.install(SCRIPT, 3)
    await installs.install(OTHER_SCRIPT, 2)

    report = await installs.flush.run_once()
    again = await installs.flush.run_once()

    assert report == FlushReport(installs=5, scripts=2)
    assert again == FlushReport()
    assert installs.database.totals == {SCRIPT: 3, OTHER_SCRIPT: 2}
    assert installs.database.commits == 1


@pytest.mark.parametrize(
    "failing",
    [
        pytest.param("fail_add", id="before settling: the claim is released"),
        pytest.param("fail_commit", id="at commit: the settled counts are restored"),
    ],
)
async def test_counts_a_database_failure_kept_out_are_written_next_time(failing: str) -> None:
    installs = Installs()
    await installs.install(SCRIPT, 3)
    setattr(installs.database, failing, True)

    with pytest.raises(ServiceUnavailableError):
        await installs.flush.run_once()
    setattr(installs.database, failing, False)
    await installs.flush.run_once()

    assert installs.database.totals == {SCRIPT: 3}
    assert installs.database.commits == 1


async def test_a_flusher_too_slow_to_settle_rolls_back() -> None:
    installs = Installs()
    await installs.install(SCRIPT, 3)
    later_clock = SettableClock(installs.clock.current + CLAIM_LEASE)
    faster = FlushInstalls(installs.counter, installs.database.transaction, later_clock)

    async def faster_one_takes_the_batch_over() -> None:
        installs.database.on_add = None
        assert await faster.run_once() == FlushReport(installs=3, scripts=1)

    installs.database.on_add = faster_one_takes_the_batch_over
    slow = await installs.flush.run_once()

    assert slow == FlushReport()
    assert installs.database.totals == {SCRIPT: 3}
    assert installs.database.commits == 1


async def test_stopping_flushes_what_the_last_seconds_counted() -> None:
    installs = Installs()
    stop = asyncio.Event()
    flusher = asyncio.create_task(flush_until(installs.flush, stop, every=60))
    await asyncio.sleep(0)
    await installs.install(SCRIPT, 2)

    stop.set()
    await flusher

    assert installs.database.totals == {SCRIPT: 2}


async def test_the_flusher_flushes_every_few_moments() -> None:
    installs = Installs()
    stop = asyncio.Event()
    flusher = asyncio.create_task(flush_until(installs.flush, stop, every=0.01))
    try:
        await installs.install(SCRIPT, 2)
        async with asyncio.timeout(5):
            await installs.database.until_committed(1)
        await installs.install(OTHER_SCRIPT, 1)
        async with asyncio.timeout(5):
            await installs.database.until_committed(2)
    finally:
        stop.set()
        await flusher
    assert installs.database.totals == {SCRIPT: 2, OTHER_SCRIPT: 1}


async def test_a_failed_flush_is_counted_and_the_next_one_writes_the_counts() -> None:
    installs = Installs()
    await installs.install(SCRIPT, 1)
    installs.database.fail_commit = True
    before = errors("flush")

    await flush_once(installs.flush, flush_outage_log())
    installs.database.fail_commit = False
    await flush_once(installs.flush, flush_outage_log())

    assert errors("flush") == before + 1
    assert installs.database.totals == {SCRIPT: 1}


async def test_flushes_failing_for_a_while_are_logged_once_and_so_is_their_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    installs = Installs()
    await installs.install(SCRIPT, 1)
    installs.database.fail_commit = True
    before = errors("flush")
    outage = flush_outage_log()

    with caplog.at_level(logging.INFO, logger="scripthub.installs"):
        for _ in range(5):
            await flush_once(installs.flush, outage)
        installs.database.fail_commit = False
        await flush_once(installs.flush, outage)
        await flush_once(installs.flush, outage)

    assert errors("flush") == before + 5
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "install flushes fail: database unavailable"),
        (logging.INFO, "install flushes work again"),
    ]
    assert installs.database.totals == {SCRIPT: 1}


class UnreachableCounter(InMemoryInstallCounter):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:
        if self.down:
            raise ServiceUnavailableError("cache unavailable")
        return await super().record(script_id, client, now)


async def test_recording_without_a_counter_serves_uncounted_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = UnreachableCounter()
    recorder = InstallRecorder(counter)
    clock = SettableClock()
    before = errors("record")

    with caplog.at_level(logging.INFO, logger="scripthub.installs"):
        down = [await recorder.record(SCRIPT, f"ip:10.0.0.{n}", clock.now()) for n in range(3)]
        counter.down = False
        up = await recorder.record(SCRIPT, "ip:10.0.0.9", clock.now())
        clock.advance(timedelta(seconds=1))
        again = await recorder.record(SCRIPT, "ip:10.0.0.9", clock.now())

    assert (down, up, again) == ([False, False, False], True, False)
    assert errors("record") == before + 3
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "installs are not being counted: cache unavailable",
        "installs are being counted again",
    ]
