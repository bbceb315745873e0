"""The sync jobs' stores on SQLite and PostgreSQL: a source's jobs are claimed one at a time
whoever claims them at once; a lease that runs out hands the job over; a finished claim that
was superseded changes nothing; webhook deliveries are noted once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scripthub.adapters.sqlalchemy.source_sync_store import SqlAlchemySyncJobStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.source_fetcher import FetchValidators
from scripthub.application.ports.sources import JobStatus, SyncJob, SyncResult, SyncTrigger
from scripthub.domain.sources import LastSync, SyncMode, SyncStatus, parse_source_url
from tests.contract.samples import make_user
from tests.script_builders import add_script

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.domain.scripts import Script

URL = "https://github.com/octo/tools/blob/main/a.user.js"
LEASE = timedelta(seconds=30)


async def a_source(engine: AsyncEngine, jobs: int = 0) -> Script:
    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    owner = make_user(f"u{uuid.uuid4().hex[:8]}")
    async with uow() as unit:
        await unit.users.add(owner)
        await unit.commit()
    script = await add_script(uow, owner, f"Script {uuid.uuid4().hex[:8]}")
    now = datetime.now(UTC)
    async with uow() as unit:
        await unit.sources.put(
            script.id, parse_source_url(URL, SyncMode.MANUAL), SyncMode.MANUAL, now
        )
        for number in range(jobs):
            job = SyncJob(
                uuid.uuid4(), script.id, SyncTrigger.MANUAL, now + timedelta(microseconds=number)
            )
            assert await unit.sources.add_sync(job)
        await unit.commit()
    return script


async def test_claimers_at_once_get_one_job_of_a_source_until_it_ends(engine: AsyncEngine) -> None:
    first = await a_source(engine, jobs=4)
    second = await a_source(engine, jobs=1)
    stores = [SqlAlchemySyncJobStore(engine) for _ in range(6)]
    now = datetime.now(UTC) + timedelta(seconds=1)

    claims = await asyncio.gather(*(store.claim(now, LEASE) for store in stores))

    held = [claim for claim in claims if claim is not None]
    assert sorted(str(claim.job.script_id) for claim in held) == sorted(
        [str(first.id), str(second.id)]
    )
    assert all(claim.job.attempts == 1 for claim in held)
    mine = next(claim for claim in held if claim.job.script_id == first.id)
    last = LastSync(now, SyncStatus.UNCHANGED, "1.0")
    async with SqlAlchemyUnitOfWork(engine) as unit:
        assert await unit.sources.finish_sync(mine, SyncResult(last, None, None), now)
        await unit.commit()
    after = await stores[0].claim(now, LEASE)
    assert after is not None
    assert after.job.script_id == first.id
    assert after.job.id != mine.job.id
    counts = await stores[0].count_by_status()
    assert counts[JobStatus.DONE] == 1


async def test_a_lease_that_runs_out_hands_the_job_over_and_supersedes_the_first_claim(
    engine: AsyncEngine,
) -> None:
    await a_source(engine, jobs=1)
    store = SqlAlchemySyncJobStore(engine)
    now = datetime.now(UTC) + timedelta(seconds=1)

    first = await store.claim(now, LEASE)
    during = await store.claim(now + LEASE / 2, LEASE)
    second = await store.claim(now + LEASE * 2, LEASE)

    assert first is not None
    assert during is None
    assert second is not None
    assert second.job.id == first.job.id
    assert second.job.attempts == 2
    last = LastSync(now, SyncStatus.PUBLISHED, "1.1")
    async with SqlAlchemyUnitOfWork(engine) as unit:
        assert not await unit.sources.finish_sync(first, SyncResult(last, None, None), now)
        assert await unit.sources.finish_sync(second, SyncResult(last, None, None), now)
        await unit.commit()


async def test_a_retry_releases_the_source_until_the_job_is_due(engine: AsyncEngine) -> None:
    await a_source(engine, jobs=1)
    store = SqlAlchemySyncJobStore(engine)
    now = datetime.now(UTC) + timedelta(seconds=1)

    claimed = await store.claim(now, LEASE)
    assert claimed is not None
    await store.retry(claimed, now + timedelta(seconds=5), "boom")

    assert await store.claim(now + timedelta(seconds=1), LEASE) is None
    again = await store.claim(now + timedelta(seconds=6), LEASE)
    assert again is not None
    assert again.job.attempts == 2


async def test_a_delivery_is_noted_once(engine: AsyncEngine) -> None:
    owner = make_user(f"u{uuid.uuid4().hex[:8]}")
    async with SqlAlchemyUnitOfWork(engine) as unit:
        await unit.users.add(owner)
        await unit.commit()
    now = datetime.now(UTC)

    async def note() -> bool:
        async with SqlAlchemyUnitOfWork(engine) as unit:
            first = await unit.webhooks.first_delivery(owner.id, "delivery-1", now)
            await unit.commit()
            return first

    assert await note()
    assert not await note()


async def test_a_scheduled_source_is_queued_when_due_and_then_every_period(
    engine: AsyncEngine,
) -> None:
    script = await a_source(engine)
    async with SqlAlchemyUnitOfWork(engine) as unit:
        location = parse_source_url(URL, SyncMode.SCHEDULE)
        await unit.sources.put(script.id, location, SyncMode.SCHEDULE, datetime.now(UTC))
        await unit.commit()
    store = SqlAlchemySyncJobStore(engine)
    now = datetime.now(UTC) + timedelta(seconds=1)
    every = timedelta(hours=12)

    queued = [
        await store.enqueue_scheduled(now, every),
        await store.enqueue_scheduled(now + timedelta(hours=11), every),
        await store.enqueue_scheduled(now + timedelta(hours=12), every),
    ]

    assert queued == [1, 0, 1]
    assert (await store.count_by_status())[JobStatus.PENDING] == 2


async def test_a_deleted_scripts_scheduled_source_is_not_queued(engine: AsyncEngine) -> None:
    script = await a_source(engine)
    now = datetime.now(UTC)
    async with SqlAlchemyUnitOfWork(engine) as unit:
        location = parse_source_url(URL, SyncMode.SCHEDULE)
        await unit.sources.put(script.id, location, SyncMode.SCHEDULE, now)
        assert await unit.scripts.delete(script.id, now)
        await unit.commit()

    queued = await SqlAlchemySyncJobStore(engine).enqueue_scheduled(
        now + timedelta(seconds=1), timedelta(hours=12)
    )

    assert queued == 0


async def test_a_sync_of_a_source_replaced_meanwhile_leaves_the_new_one_as_it_is(
    engine: AsyncEngine,
) -> None:
    script = await a_source(engine, jobs=1)
    store = SqlAlchemySyncJobStore(engine)
    now = datetime.now(UTC) + timedelta(seconds=1)
    other = "https://example.com/other.user.js"

    claimed = await store.claim(now, LEASE)
    async with SqlAlchemyUnitOfWork(engine) as unit:
        await unit.sources.put(
            script.id, parse_source_url(other, SyncMode.MANUAL), SyncMode.MANUAL, now
        )
        await unit.commit()
    assert claimed is not None
    old_validators = FetchValidators(etag='"old"', last_modified=None)
    result = SyncResult(LastSync(now, SyncStatus.UNCHANGED, "1.0"), old_validators, None)
    async with SqlAlchemyUnitOfWork(engine) as unit:
        assert await unit.sources.finish_sync(claimed, result, now)
        await unit.commit()
    async with SqlAlchemyUnitOfWork(engine) as unit:
        source = await unit.sources.get(script.id)

    assert source is not None
    assert source.location.url == other
    assert (source.last_sync, source.etag) == (None, None)
