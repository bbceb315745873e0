"""The sync workers: run queued syncs, one at a time per source, retried with backoff."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry
from scripthub.application.mail.messages import sync_failed_notice
from scripthub.application.ports.source_fetcher import FetchedFile, FetchValidators
from scripthub.application.ports.sources import ClaimedSync, SyncJobStore, SyncResult
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.publish_version import (
    PublishScriptVersion,
    PublishScriptVersionCommand,
)
from scripthub.application.scripts.unpublished import held_with_code
from scripthub.application.sources.fetching import SourceFiles
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import DomainError, ServiceUnavailableError
from scripthub.domain.mail import OutboxMessage
from scripthub.domain.roles import SCRIPTS_CREATE, Grants
from scripthub.domain.scripts import ScriptVersion, VersionCode
from scripthub.domain.sources import SCHEDULE_EVERY, LastSync, SyncStatus, sync_error
from scripthub.domain.version_review import VersionStatus

logger = logging.getLogger("scripthub.sources")
_FORGET = FetchValidators()
"""Validators to store after a failed sync: the next fetch must get the file whole."""


@dataclass(frozen=True)
class SyncPolicy:
    lease: timedelta = timedelta(seconds=60)
    """How long a claimed sync is its worker's: more than a fetch (10 s at most) and a
    publication take. A worker killed mid-sync hands it over when this runs out."""
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    """Claims of one job (crashes and errors of ours, not a failed fetch, which is a result)
    before it is recorded as failed."""
    schedule_every: timedelta = SCHEDULE_EVERY

    def delay_after(self, attempts: int) -> timedelta:
        return min(self.first_delay * (1 << max(min(attempts, 20) - 1, 0)), self.max_delay)


@dataclass(frozen=True)
class SyncReport:
    ran: int = 0
    retrying: int = 0


@dataclass(frozen=True)
class RunSourceSyncs:
    """Claim due syncs one after the other and run each: fetch the file (conditionally, with
    the validators of the last sync that worked), and publish it with `PublishScriptVersion`
    as the script's owner (every version rule) when its bytes differ from the latest
    version's; else `unchanged`. A fetch that fails, or a version refused, is a result:
    `failed` with the reason, audited `script.synced` and mailed to the owner once per
    failing streak. An error of ours (the database, a bug) is retried after a backoff, up to
    `max_attempts` claims.

    A publication and its job's end are two transactions: a worker killed between them has
    its job run again, which finds the bytes already published and records `unchanged`."""

    uow_factory: UnitOfWorkFactory
    store: SyncJobStore
    files: SourceFiles
    publish: PublishScriptVersion
    clock: Clock
    policy: SyncPolicy = SyncPolicy()

    async def run_once(self) -> SyncReport:
        """Queue the `schedule` sources that are due, then run every due sync."""
        await self.store.enqueue_scheduled(self.clock.now(), self.policy.schedule_every)
        ran = retrying = 0
        while claimed := await self.store.claim(self.clock.now(), self.policy.lease):
            if await self.run(claimed):
                ran += 1
            else:
                retrying += 1
        return SyncReport(ran, retrying)

    async def run(self, claimed: ClaimedSync) -> bool:
        """Run one claimed sync; False when it is to be retried."""
        job = claimed.job
        if job.attempts > self.policy.max_attempts:
            failure = f"Gave up after {job.attempts - 1} attempts."
            await self._finish(claimed, self._failed(failure), _FORGET)
            return True
        try:
            last_sync, validators = await self._sync(claimed)
            await self._finish(claimed, last_sync, validators)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            at = self.clock.now() + self.policy.delay_after(job.attempts)
            if isinstance(error, ServiceUnavailableError):
                logger.warning("sync %s of script %s: %s; retrying", job.id, job.script_id, reason)
            else:
                logger.exception("sync %s of script %s failed; retrying", job.id, job.script_id)
            await self.store.retry(claimed, at, reason)
            return False
        return True

    def _already_there(
        self, latest: VersionCode | None, held: list[ScriptVersion], code: str
    ) -> LastSync | None:
        """`unchanged` for the latest version's code; `held_for_review` for the code of a
        version waiting for review (fetched again meanwhile); else None."""
        if latest is not None and latest.code == code:
            return LastSync(self.clock.now(), SyncStatus.UNCHANGED, latest.version.version)
        if waiting := held_with_code(held, code):
            return LastSync(self.clock.now(), SyncStatus.HELD_FOR_REVIEW, waiting.version)
        return None

    def _failed(self, reason: str) -> LastSync:
        return LastSync(self.clock.now(), SyncStatus.FAILED, error=sync_error(reason))

    async def _sync(self, claimed: ClaimedSync) -> tuple[LastSync, FetchValidators | None]:
        source = claimed.source
        known = None
        if source.etag is not None or source.last_modified is not None:
            known = FetchValidators(source.etag, source.last_modified)
        try:
            fetched = await self.files.fetch(source.location, known, claimed.job.release_tag)
        except ServiceUnavailableError:
            raise
        except DomainError as error:  # SourceUnreachableError, mostly
            return self._failed(error.detail), _FORGET
        if not isinstance(fetched, FetchedFile):
            async with self.uow_factory() as uow:
                script = await uow.scripts.get(claimed.job.script_id)
            summary = None if script is None else script.latest_version
            kept = None if summary is None else summary.version
            return LastSync(self.clock.now(), SyncStatus.UNCHANGED, kept), None
        try:
            code = fetched.body.decode("utf-8")
        except UnicodeDecodeError:
            return self._failed("The file is not UTF-8 text."), _FORGET
        async with self.uow_factory() as uow:
            latest = await uow.scripts.latest_code(claimed.job.script_id)
            held = await uow.version_reviews.held_of(claimed.job.script_id)
            grants = await uow.roles.grants_of(claimed.owner_id)
        if (there := self._already_there(latest, held, code)) is not None:
            return there, fetched.validators
        # The owner's own right to publish, and nothing else of theirs.
        allowed = grants.permissions & {SCRIPTS_CREATE.name}
        principal = Principal(claimed.owner_id, claimed.job.id, Grants(frozenset(), allowed))
        command = PublishScriptVersionCommand(principal, claimed.job.script_id, code)
        try:
            published = await self.publish.execute(command)
        except ServiceUnavailableError:
            raise
        except DomainError as error:
            return self._failed(error.detail or error.code), _FORGET
        status = SyncStatus.PUBLISHED
        if published.status is VersionStatus.HELD_FOR_REVIEW:
            status = SyncStatus.HELD_FOR_REVIEW
        last_sync = LastSync(self.clock.now(), status, published.version)
        return last_sync, fetched.validators

    async def _finish(
        self, claimed: ClaimedSync, last_sync: LastSync, validators: FetchValidators | None
    ) -> None:
        source, job = claimed.source, claimed.job
        failed = last_sync.status is SyncStatus.FAILED
        failing_since = (source.failing_since or last_sync.at) if failed else None
        now = self.clock.now()
        async with self.uow_factory() as uow:
            result = SyncResult(last_sync, validators, failing_since)
            if not await uow.sources.finish_sync(claimed, result, now):
                logger.warning(
                    "sync %s of script %s: claimed again meanwhile", job.id, job.script_id
                )
                return
            metadata = {
                "status": str(last_sync.status),
                "version": last_sync.version,
                "delivery": job.delivery,
                "trigger": str(job.trigger),
                "sync_id": str(job.id),
                "attempts": job.attempts,
            }
            if last_sync.error is not None:
                metadata["error"] = last_sync.error
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "script.synced",
                    RequestContext(),
                    actor_id=claimed.owner_id,
                    resource_type="script",
                    resource_id=job.script_id,
                    metadata=metadata,
                )
            )
            if failed and source.failing_since is None:
                await self._mail_owner(uow, claimed, last_sync.error or "")
            await uow.commit()

    async def _mail_owner(self, uow: UnitOfWork, claimed: ClaimedSync, error: str) -> None:
        owner = await uow.users.get(claimed.owner_id)
        script = await uow.scripts.get(claimed.job.script_id)
        if owner is None or script is None:
            return
        email = sync_failed_notice(
            owner.email, owner.username, script.name, claimed.source.location.url, error
        )
        now: datetime = self.clock.now()
        await uow.outbox.enqueue(
            OutboxMessage(id=uuid.uuid4(), email=email, created_at=now, next_attempt_at=now)
        )
