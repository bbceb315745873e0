"""`SyncJobStore` over `source_syncs`: the sync workers' side of the jobs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, or_, select, update

from scripthub.adapters.sqlalchemy.scripts_table import LIVE, scripts
from scripthub.adapters.sqlalchemy.short_transactions import ShortTransactions
from scripthub.adapters.sqlalchemy.sources import job_values
from scripthub.adapters.sqlalchemy.sources_table import (
    script_sources,
    source_from_row,
    source_syncs,
)
from scripthub.application.ports.sources import (
    ClaimedSync,
    JobStatus,
    SyncJob,
    SyncTrigger,
)
from scripthub.domain.sources import SyncMode

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from sqlalchemy.ext.asyncio import AsyncEngine


class SqlAlchemySyncJobStore:
    """`SyncJobStore`: every method is its own short transaction on a connection of `engine`.

    The lease lives on the source (`leased_until`, `leased_by`), not on the job, so that two
    jobs of one source are never held at once: claiming locks the source row and the job row
    it takes (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, which re-reads a source another
    claimer leased meanwhile and then leaves it; on SQLite the transaction holds the database
    write lock from its BEGIN IMMEDIATE on).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._connections = ShortTransactions(engine, lock_sqlite_at_begin=True)

    async def claim(self, now: datetime, lease: timedelta) -> ClaimedSync | None:
        jobs, sources = source_syncs.c, script_sources.c
        async with self._connections.write() as connection:
            due = await connection.execute(
                select(jobs.id, jobs.script_id)
                .join(script_sources, sources.script_id == jobs.script_id)
                .where(
                    jobs.status == JobStatus.PENDING.value,
                    jobs.next_attempt_at <= now,
                    or_(sources.leased_until.is_(None), sources.leased_until <= now),
                )
                .order_by(jobs.next_attempt_at, jobs.created_at, jobs.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=[source_syncs, script_sources])
            )
            picked = due.first()
            if picked is None:
                return None
            job_id, script_id = picked
            claimed = await connection.execute(
                update(source_syncs)
                .where(jobs.id == job_id)
                .values(attempts=jobs.attempts + 1, updated_at=now)
                .returning(*source_syncs.c)
            )
            job = claimed.mappings().one()
            leased = await connection.execute(
                update(script_sources)
                .where(sources.script_id == script_id)
                .values(leased_until=now + lease, leased_by=job_id)
                .returning(*script_sources.c)
            )
            source = source_from_row(leased.mappings().one())
            owner = await connection.execute(
                select(scripts.c.owner_id).where(scripts.c.id == script_id)
            )
            owner_id: uuid.UUID = owner.scalar_one()
        return ClaimedSync(
            job=SyncJob(
                id=job["id"],
                script_id=job["script_id"],
                trigger=SyncTrigger(job["trigger"]),
                created_at=job["created_at"],
                delivery=job["delivery"],
                release_tag=job["release_tag"],
                attempts=job["attempts"],
            ),
            source=source,
            owner_id=owner_id,
        )

    async def retry(self, claimed: ClaimedSync, at: datetime, error: str) -> None:
        job = claimed.job
        async with self._connections.write() as connection:
            retried = await connection.execute(
                update(source_syncs)
                .where(
                    source_syncs.c.id == job.id,
                    source_syncs.c.status == JobStatus.PENDING.value,
                    source_syncs.c.attempts == job.attempts,
                )
                .values(next_attempt_at=at, last_error=_storable(error), updated_at=at)
                .returning(source_syncs.c.id)
            )
            if retried.first() is None:
                return
            await connection.execute(
                update(script_sources)
                .where(
                    script_sources.c.script_id == job.script_id,
                    script_sources.c.leased_by == job.id,
                )
                .values(leased_until=None, leased_by=None)
            )

    async def enqueue_scheduled(self, now: datetime, every: timedelta) -> int:
        sources = script_sources.c
        async with self._connections.write() as connection:
            due = await connection.execute(
                select(sources.script_id)
                .join(scripts, scripts.c.id == sources.script_id)
                # A deleted script's source waits: it syncs again if the script comes back.
                .where(sources.sync == SyncMode.SCHEDULE.value, sources.next_sync_at <= now, LIVE)
                .order_by(sources.next_sync_at)
                .limit(500)
                .with_for_update(skip_locked=True, of=script_sources)
            )
            script_ids = list(due.scalars())
            if not script_ids:
                return 0
            await connection.execute(
                insert(source_syncs),
                [
                    job_values(SyncJob(uuid.uuid4(), script_id, SyncTrigger.SCHEDULE, now), now)
                    for script_id in script_ids
                ],
            )
            await connection.execute(
                update(script_sources)
                .where(sources.script_id.in_(script_ids))
                .values(next_sync_at=now + every)
            )
        return len(script_ids)

    async def count_by_status(self) -> dict[JobStatus, int]:
        async with self._connections.read() as connection:
            result = await connection.execute(
                select(source_syncs.c.status, func.count()).group_by(source_syncs.c.status)
            )
            counted = {JobStatus(status): count for status, count in result}
        return {status: counted.get(status, 0) for status in JobStatus}

    async def oldest_pending_created_at(self) -> datetime | None:
        async with self._connections.read() as connection:
            oldest: datetime | None = await connection.scalar(
                select(func.min(source_syncs.c.created_at)).where(
                    source_syncs.c.status == JobStatus.PENDING.value
                )
            )
        return oldest


def _storable(error: str) -> str:
    return error.replace("\x00", "\N{REPLACEMENT CHARACTER}")[:1000]
