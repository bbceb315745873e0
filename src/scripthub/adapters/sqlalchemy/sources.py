"""`SourceRepository` and `WebhookRepository` over the sources' tables, in the unit of work's
transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.scripts_table import LIVE, scripts
from scripthub.adapters.sqlalchemy.sources_table import (
    script_sources,
    source_from_row,
    source_syncs,
    webhook_deliveries,
    webhook_secrets,
)
from scripthub.application.ports.sources import (
    ClaimedSync,
    JobStatus,
    SyncJob,
    SyncResult,
    WebhookSecret,
)
from scripthub.domain.sources import Source, SourceLocation, SyncMode

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection


def upsert_for(connection: AsyncConnection) -> Any:
    """The dialect's INSERT, which has ON CONFLICT."""
    return postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert


def job_values(job: SyncJob, now: datetime) -> dict[str, Any]:
    return without_nul(
        {
            "id": job.id,
            "script_id": job.script_id,
            "trigger": job.trigger.value,
            "delivery": job.delivery,
            "release_tag": job.release_tag,
            "status": JobStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": job.created_at,
            "updated_at": now,
        }
    )


class SqlAlchemySourceRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, script_id: uuid.UUID) -> Source | None:
        result = await self._connection.execute(
            select(script_sources).where(script_sources.c.script_id == script_id)
        )
        row = result.mappings().one_or_none()
        return None if row is None else source_from_row(row)

    async def put(
        self, script_id: uuid.UUID, location: SourceLocation, sync: SyncMode, now: datetime
    ) -> Source:
        values = {
            "url": location.url,
            "sync": sync.value,
            "kind": location.kind.value,
            "repository_key": location.repository_key,
            "ref": location.ref,
            "etag": None,
            "last_modified": None,
            "failing_since": None,
            "next_sync_at": now if sync is SyncMode.SCHEDULE else None,
            "updated_at": now,
        }
        statement = upsert_for(self._connection)(script_sources).values(
            without_nul({**values, "script_id": script_id, "created_at": now})
        )
        result = await self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[script_sources.c.script_id], set_=without_nul(values)
            ).returning(*script_sources.c)
        )
        return source_from_row(result.mappings().one())

    async def remove(self, script_id: uuid.UUID) -> bool:
        await self._connection.execute(
            delete(source_syncs).where(source_syncs.c.script_id == script_id)
        )
        result = await self._connection.execute(
            delete(script_sources)
            .where(script_sources.c.script_id == script_id)
            .returning(script_sources.c.script_id)
        )
        return result.first() is not None

    async def add_sync(self, job: SyncJob) -> bool:
        has_source = select(script_sources.c.script_id).where(
            script_sources.c.script_id == job.script_id
        )
        if (await self._connection.execute(has_source)).first() is None:
            return False
        await self._connection.execute(insert(source_syncs).values(job_values(job, job.created_at)))
        return True

    async def webhook_targets(self, owner_id: uuid.UUID, repository_key: str) -> list[Source]:
        result = await self._connection.execute(
            select(script_sources)
            .join(scripts, scripts.c.id == script_sources.c.script_id)
            .where(
                script_sources.c.repository_key == repository_key,
                script_sources.c.sync == SyncMode.WEBHOOK.value,
                scripts.c.owner_id == owner_id,
                LIVE,
            )
            .order_by(script_sources.c.script_id)
        )
        return [source_from_row(row) for row in result.mappings()]

    async def finish_sync(self, claimed: ClaimedSync, result: SyncResult, now: datetime) -> bool:
        job = claimed.job
        ended = await self._connection.execute(
            update(source_syncs)
            .where(
                source_syncs.c.id == job.id,
                source_syncs.c.status == JobStatus.PENDING.value,
                source_syncs.c.attempts == job.attempts,
            )
            .values(
                status=JobStatus.DONE.value, outcome=result.last_sync.status.value, updated_at=now
            )
            .returning(source_syncs.c.id)
        )
        if ended.first() is None:
            return False
        last = result.last_sync
        values: dict[str, Any] = {
            "last_sync_at": last.at,
            "last_sync_status": last.status.value,
            "last_sync_version": last.version,
            "last_sync_error": last.error,
            "failing_since": result.failing_since,
            "leased_until": None,
            "leased_by": None,
            "updated_at": now,
        }
        if result.validators is not None:
            values["etag"] = result.validators.etag
            values["last_modified"] = result.validators.last_modified
        await self._connection.execute(
            update(script_sources)
            .where(
                script_sources.c.script_id == job.script_id,
                script_sources.c.leased_by == job.id,
                # A source replaced while its sync ran keeps nothing of the old URL's.
                script_sources.c.url == claimed.source.location.url,
            )
            .values(without_nul(values))
        )
        return True


class SqlAlchemyWebhookRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def secret_of(self, user_id: uuid.UUID) -> WebhookSecret | None:
        result = await self._connection.execute(
            select(webhook_secrets).where(webhook_secrets.c.user_id == user_id)
        )
        row = result.mappings().one_or_none()
        if row is None:
            return None
        return WebhookSecret(row["user_id"], row["nonce"], row["hint"], row["updated_at"])

    async def set_secret(self, secret: WebhookSecret) -> None:
        values = {"nonce": secret.nonce, "hint": secret.hint, "updated_at": secret.created_at}
        await self._connection.execute(
            upsert_for(self._connection)(webhook_secrets)
            .values(**values, user_id=secret.user_id, created_at=secret.created_at)
            .on_conflict_do_update(index_elements=[webhook_secrets.c.user_id], set_=values)
        )

    async def first_delivery(self, user_id: uuid.UUID, delivery: str, at: datetime) -> bool:
        inserted = await self._connection.execute(
            upsert_for(self._connection)(webhook_deliveries)
            .values(without_nul({"user_id": user_id, "delivery": delivery, "received_at": at}))
            .on_conflict_do_nothing(
                index_elements=[webhook_deliveries.c.user_id, webhook_deliveries.c.delivery]
            )
            .returning(webhook_deliveries.c.user_id)
        )
        return inserted.first() is not None
