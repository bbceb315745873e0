"""The ports of script sources: the source of each script and its sync jobs (in the unit of
work), the jobs' claiming side (short transactions of its own), and the GitHub webhook's
secrets and deliveries."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from scripthub.application.ports.source_fetcher import FetchValidators
from scripthub.domain.sources import LastSync, Source, SourceLocation, SyncMode


class SyncTrigger(enum.StrEnum):
    MANUAL = "manual"
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class SyncJob:
    """One sync of one source to run: `delivery` is the webhook delivery that asked for it,
    `release_tag` the release it announced."""

    id: uuid.UUID
    script_id: uuid.UUID
    trigger: SyncTrigger
    created_at: datetime
    delivery: str | None = None
    release_tag: str | None = None
    attempts: int = 0


@dataclass(frozen=True)
class ClaimedSync:
    """A job leased to one worker with the source as it was when claimed; `job.attempts`
    (this claim's number) identifies the lease."""

    job: SyncJob
    source: Source
    owner_id: uuid.UUID


@dataclass(frozen=True)
class SyncResult:
    last_sync: LastSync
    validators: FetchValidators | None
    """What to send the next time (None: keep the stored ones)."""
    failing_since: datetime | None


@dataclass(frozen=True)
class WebhookSecret:
    user_id: uuid.UUID
    nonce: str
    hint: str
    created_at: datetime


class SourceRepository(Protocol):
    """Sources and the queueing of their syncs, in the unit of work's transaction."""

    async def get(self, script_id: uuid.UUID) -> Source | None: ...

    async def put(
        self, script_id: uuid.UUID, location: SourceLocation, sync: SyncMode, now: datetime
    ) -> Source:
        """Set the script's source, replacing any (its validators and failing streak go with
        the old URL; its last sync stays). A `schedule` source is due at once."""

    async def remove(self, script_id: uuid.UUID) -> bool:
        """Remove the source and its queued syncs; False if it had none."""

    async def add_sync(self, job: SyncJob) -> bool:
        """Queue `job`; False if the script has no source (any more)."""

    async def webhook_targets(self, owner_id: uuid.UUID, repository_key: str) -> list[Source]:
        """The `webhook` sources of the owner's live scripts in this repository."""

    async def finish_sync(self, claimed: ClaimedSync, result: SyncResult, now: datetime) -> bool:
        """Record the result on the source and end the job (done) and its lease; only while
        the claim holds (the job claimed no other time since): False otherwise, and nothing
        changed."""


class WebhookRepository(Protocol):
    async def secret_of(self, user_id: uuid.UUID) -> WebhookSecret | None: ...

    async def set_secret(self, secret: WebhookSecret) -> None:
        """Replace the user's secret (the old one stops working when this commits)."""

    async def first_delivery(self, user_id: uuid.UUID, delivery: str, at: datetime) -> bool:
        """Note the delivery id; False if it was noted before (a redelivery or a replay).
        Of concurrent calls with one id, exactly one gets True."""


class SyncJobStore(Protocol):
    """The workers' side of the sync jobs: each method is its own short transaction."""

    async def claim(self, now: datetime, lease: timedelta) -> ClaimedSync | None:
        """Take the oldest due PENDING job whose source no job holds, and lease the source to
        it until `now + lease` (its `attempts` grows by one). Concurrent callers (other
        processes) never receive the same job, nor two jobs of one source (PostgreSQL: FOR
        UPDATE SKIP LOCKED on the source and the job; SQLite: the database write lock)."""

    async def retry(self, claimed: ClaimedSync, at: datetime, error: str) -> None:
        """Release the lease; the job is due again at `at`. Only while the claim holds."""

    async def enqueue_scheduled(self, now: datetime, every: timedelta) -> int:
        """Queue a sync of each `schedule` source due by `now`, and make it due again
        `every` later; how many were queued."""

    async def count_by_status(self) -> dict[JobStatus, int]: ...

    async def oldest_pending_created_at(self) -> datetime | None: ...
