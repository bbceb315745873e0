"""What /health/ready and /metrics say about a dispatcher, from what it last did."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from scripthub.entrypoints.mail_worker import DispatcherStatus, DispatcherWatch
from tests.unit.world import SettableClock

STUCK_AFTER = timedelta(minutes=5)


async def running_task() -> asyncio.Task[None]:
    return asyncio.create_task(asyncio.Event().wait())


async def test_a_dispatcher_with_no_pass_ending_for_too_long_is_stuck() -> None:
    clock = SettableClock()
    watch = DispatcherWatch(clock, STUCK_AFTER)
    task = await running_task()
    watch.watch(task)

    clock.advance(STUCK_AFTER)
    assert watch.status() is DispatcherStatus.OK
    clock.advance(timedelta(seconds=1))
    assert watch.status() is DispatcherStatus.STUCK
    watch.pass_ended(failed=False)
    assert watch.status() is DispatcherStatus.OK
    task.cancel()


async def test_a_failed_pass_is_failing_until_one_succeeds() -> None:
    watch = DispatcherWatch(SettableClock(), STUCK_AFTER)
    task = await running_task()
    watch.watch(task)

    watch.pass_ended(failed=True)
    watch.pass_ended(failed=True)
    assert (watch.status(), watch.failures) == (DispatcherStatus.FAILING, 2)
    watch.pass_ended(failed=False)
    assert (watch.status(), watch.failures) == (DispatcherStatus.OK, 0)
    task.cancel()


async def test_a_dispatcher_whose_task_ended_is_dead() -> None:
    watch = DispatcherWatch(SettableClock(), STUCK_AFTER)
    task = await running_task()
    watch.watch(task)

    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert watch.status() is DispatcherStatus.DEAD
