"""A moderator's decision on a version held for review."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.authorization import Authorizer
from scripthub.application.mail.review_notices import review_notice
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.scripts import UNCHANGED, ScriptChanges
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.access import cache_names
from scripthub.application.scripts.changing import (
    changed_fields,
    differing_changes,
    script_change_entry,
)
from scripthub.application.scripts.read_version_code import plausible_version
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.mail import OutboxMessage
from scripthub.domain.roles import SCRIPTS_MODERATE
from scripthub.domain.script_form import declared_fields
from scripthub.domain.script_versions import metadata_sites
from scripthub.domain.scripts import Script, ScriptVersion, check_prose
from scripthub.domain.userscript_metadata import Metadata, parse_metadata
from scripthub.domain.version_ordering import update_refusal
from scripthub.domain.version_review import ReviewDecision, VersionReview, VersionStatus

MAX_NOTE_LENGTH = 2000
REVIEW_ATTEMPTS = 3
"""Transactions tried while other versions of the script keep being published meanwhile."""


@dataclass(frozen=True)
class ReviewVersionCommand:
    principal: Principal
    script_id: uuid.UUID
    version: str
    decision: ReviewDecision
    note: str | None = None
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class _Promotion:
    """What an approved version brings to its script when it becomes the latest."""

    metadata: Metadata | None


class ReviewVersion:
    """Approve or reject a version held for review (needs `scripts.moderate`, checked
    first: ForbiddenError, audited, for anyone else, the script's owner included).

    Approve: the version is published; it becomes the script's latest if it is still
    greater than the latest published version for both managers (the script's name,
    description and license then follow its block, as on a publication, and the latest-code
    cache drops the script's entries), else it stays in the history, published but not the
    latest (the owner published a greater version meanwhile). Reject: it is never served;
    its version string stays taken. Audited `script.version_reviewed` with `metadata`
    `decision`, `version`, `owner_id` and `latest`; the owner is mailed.

    NotFoundError if the script or version does not exist, ConflictError if the version is
    not held (any more: of two decisions at once, one wins, the other is a ConflictError).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        latest_code: LatestCodeCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._latest_code = latest_code
        self._clock = clock

    async def execute(self, command: ReviewVersionCommand) -> ScriptVersion:
        await self._authorizer.require(
            command.principal,
            SCRIPTS_MODERATE,
            command.context,
            resource_type="script",
            resource_id=command.script_id,
        )
        note = None
        if command.note is not None and command.note.strip():
            note = check_prose("note", command.note.strip(), MAX_NOTE_LENGTH)
        for _ in range(REVIEW_ATTEMPTS):
            async with self._uow_factory() as uow:
                script, held = await self._held(uow, command)
                await hold_active_account(uow, command.principal)
                now = self._clock.now()
                promotion = None
                if command.decision is ReviewDecision.APPROVE:
                    try:
                        promotion = await self._promote(uow, held, now)
                    except ConflictError:
                        continue  # the latest moved: decide again against what committed
                review = VersionReview(command.principal.user_id, now, note)
                decided = await uow.version_reviews.decide(
                    script.id, held.version, command.decision.status, review
                )
                if decided is None:
                    raise ConflictError("This version was reviewed meanwhile.")
                await uow.audit.record(
                    script_change_entry(
                        self._clock,
                        "script.version_reviewed",
                        command.context,
                        command.principal,
                        script,
                        {
                            "decision": str(command.decision),
                            "version": decided.version,
                            "version_id": str(decided.id),
                            "owner_id": str(script.owner_id),
                            "latest": promotion is not None,
                        },
                    )
                )
                if promotion is not None:
                    await self._follow_block(uow, command, script, decided, promotion)
                await self._mail_owner(uow, script, decided, note, now)
                await uow.commit()
            if promotion is not None:
                await self._latest_code.changed(cache_names(script))
            return decided
        msg = "Other versions of this script were being published meanwhile; send it again."
        raise ConflictError(msg)

    async def _held(
        self, uow: UnitOfWork, command: ReviewVersionCommand
    ) -> tuple[Script, ScriptVersion]:
        script = await uow.scripts.get(command.script_id)
        if script is None:
            raise NotFoundError("Script not found.")
        if not plausible_version(command.version):  # names none (NUL would upset the driver)
            raise NotFoundError("Version not found.")
        version = await uow.scripts.get_version(script.id, command.version)
        if version is None:
            raise NotFoundError("Version not found.")
        if version.status is not VersionStatus.HELD_FOR_REVIEW:
            msg = f"Version {version.version} is not held for review: it is {version.status}."
            raise ConflictError(msg)
        return script, version

    async def _promote(
        self, uow: UnitOfWork, held: ScriptVersion, now: datetime
    ) -> _Promotion | None:
        """Make the approved version the script's latest if it is still greater than the
        latest; ConflictError if the latest moved meanwhile."""
        latest = await uow.scripts.latest_code(held.script_id)
        if latest is None or update_refusal(latest.version.version, held.version) is not None:
            return None
        found = await uow.scripts.version_code(held.script_id, held.version)
        if found is None:  # pragma: no cover - read a moment ago in this transaction
            raise NotFoundError("Version not found.")
        metadata = await asyncio.to_thread(parse_metadata, found.code)
        promoted = await uow.version_reviews.make_latest(
            held,
            antifeatures=[] if metadata is None else metadata.antifeatures,
            sites=metadata_sites(metadata),
            replacing=latest.version.version,
            now=now,
        )
        if not promoted:
            raise NotFoundError("Script not found.")
        return _Promotion(metadata)

    async def _follow_block(
        self,
        uow: UnitOfWork,
        command: ReviewVersionCommand,
        script: Script,
        version: ScriptVersion,
        promotion: _Promotion,
    ) -> None:
        """As a publication does (`publish_version._follow_block`), now that the version
        is the latest: audited `script.updated` when a field changes."""
        # Read again now that the script is locked: what committed before.
        script = await uow.scripts.get(script.id) or script
        declared = declared_fields(promotion.metadata)
        requested = ScriptChanges(
            name=UNCHANGED if declared.name is None else declared.name,
            description=UNCHANGED if declared.description is None else declared.description,
            license=UNCHANGED if declared.license is None else declared.license,
            localized=UNCHANGED if promotion.metadata is None else declared.localized,
        )
        changes = differing_changes(requested, script)
        if not (fields := changed_fields(changes)):
            return
        await uow.scripts.edit(script.id, changes, self._clock.now())
        await uow.audit.record(
            script_change_entry(
                self._clock,
                "script.updated",
                command.context,
                command.principal,
                script,
                {"fields": fields, "version": version.version},
            )
        )

    async def _mail_owner(
        self,
        uow: UnitOfWork,
        script: Script,
        version: ScriptVersion,
        note: str | None,
        now: datetime,
    ) -> None:
        owner = await uow.users.get(script.owner_id)
        if owner is None:
            return
        email = review_notice(
            owner.email, owner.username, script.name, version.version, version.status, note
        )
        await uow.outbox.enqueue(
            OutboxMessage(id=uuid.uuid4(), email=email, created_at=now, next_attempt_at=now)
        )
