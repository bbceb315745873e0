"""Publish a new version of a script one owns or co-authors."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.scripts import UNCHANGED, ScriptChanges
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.access import cache_names, may_see, require_token_covers
from scripthub.application.scripts.beta_channel import stage_on_channel
from scripthub.application.scripts.changing import (
    changed_fields,
    differing_changes,
    script_change_entry,
)
from scripthub.application.scripts.publishing_gates import PublishingGates
from scripthub.application.scripts.review_hold import publication_entry
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError, Problems, ValidationError
from scripthub.domain.roles import SCRIPTS_CREATE
from scripthub.domain.script_versions import VersionDraft, draft_version
from scripthub.domain.scripts import Script, ScriptVersion
from scripthub.domain.version_channels import Channel, version_channel
from scripthub.domain.version_review import ReviewPolicy, VersionStatus

PUBLISH_ATTEMPTS = 3
"""Transactions tried while other versions of the script keep being published meanwhile."""


@dataclass(frozen=True)
class PublishScriptVersionCommand:
    principal: Principal
    script_id: uuid.UUID
    code: str
    version: str | None = None
    """Without it, the code's `@version`."""
    changelog: str | None = None
    context: RequestContext = RequestContext()
    channel: Channel | None = None
    """Without it, by the version (`version_channels.version_channel`)."""


class PublishScriptVersion:
    """A new version of a script the caller owns or co-authors, which becomes its latest (audited
    `script.version_published`); the script's name, description and license follow its
    metadata block where it declares them, and its localized texts follow the block
    (audited `script.updated` when a field changes, as an edit is).

    Checked in this order: the script (NotFoundError if the caller may not see it), its
    owner or co-authors (ForbiddenError, audited, for anyone else, holders of
    `scripts.update_any` included; checked again once the script is locked, so that a
    co-author removed meanwhile publishes nothing), the caller's `scripts.create`
    (ForbiddenError, audited: publishing needs it every time, not only for a new script),
    the body (PayloadTooLargeError past 2 MiB of
    code, ValidationError), then the version against the script's: equal to an existing one
    is a ConflictError, not greater than the latest for both managers a ValidationError.
    The publishing gates (`PublishingGates`) are checked once the account is held.

    A beta version (`command.channel`, else by the version's pre-release part:
    `version_channels.version_channel`, ValidationError on `channel` for a pre-release sent
    as stable) becomes the script's latest beta instead, changing nothing else of the script,
    and must follow the latest beta and the latest stable version (`beta_channel`).

    Under review (`review_policy`, see `review_hold.stage_under_review`), a version the
    policy holds is staged with status `held_for_review` and audited `script.version_held`:
    the script, its latest version and the latest-code cache stay as they were.

    Two publications that start from the same latest version are decided by the
    repository: one goes in, the other finds the latest moved and is checked again, from
    the start, against what committed meanwhile, as if it had come second. The same version
    sent twice at once is so one success and one ConflictError; a different one goes in after
    the other if it is greater, and its `widened` is counted from it.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        latest_code: LatestCodeCache,
        clock: Clock,
        gates: PublishingGates,
        review_policy: ReviewPolicy = ReviewPolicy.OFF,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._latest_code = latest_code
        self._clock = clock
        self._gates = gates
        self._review_policy = review_policy

    async def execute(self, command: PublishScriptVersionCommand) -> ScriptVersion:
        draft: VersionDraft | None = None
        no_longer: Script | None = None
        for _ in range(PUBLISH_ATTEMPTS):
            async with self._uow_factory() as uow:
                script = await self._owned_script(uow, command)
                if draft is None:  # read off the event loop: up to 2 MiB of code
                    draft = await asyncio.to_thread(_drafted, command)
                channel = version_channel(draft.version, command.channel)
                latest = await uow.scripts.latest_code(script.id)
                if await uow.scripts.get_version(script.id, draft.version) is not None:
                    msg = f"Version {draft.version} of this script already exists."
                    raise ConflictError(msg)
                await hold_active_account(uow, command.principal)
                await self._gates.check(uow, command.principal.user_id, draft)
                try:
                    version = await stage_on_channel(
                        uow,
                        draft,
                        channel,
                        script.id,
                        latest,
                        self._clock.now(),
                        self._review_policy,
                    )
                except ConflictError:
                    continue  # the latest moved: check again against what committed
                # Staging locked the script: a co-author removed meanwhile publishes nothing.
                now_as = await uow.scripts.get(script.id)
                if now_as is None or not now_as.may_publish(command.principal.user_id):
                    no_longer = now_as
                    break
                await uow.audit.record(
                    publication_entry(
                        self._clock,
                        command.context,
                        command.principal.user_id,
                        version,
                        now_as.owner_id,
                    )
                )
                if version.status is VersionStatus.PUBLISHED and channel is Channel.STABLE:
                    await _follow_block(uow, self._clock, command, draft, version, now_as)
                await uow.commit()
            if version.status is VersionStatus.PUBLISHED:
                await self._latest_code.changed(cache_names(script))
            return version
        else:
            msg = "Other versions of this script were being published meanwhile; send it again."
            raise ConflictError(msg)
        # Audited once the transaction let the script go (SQLite has one writer at a time).
        if no_longer is None:
            raise NotFoundError("Script not found.")
        await self._authorizer.require_author(command.principal, no_longer, command.context)
        raise NotFoundError("Script not found.")  # pragma: no cover - require_author raised

    async def _owned_script(self, uow: UnitOfWork, command: PublishScriptVersionCommand) -> Script:
        script = await uow.scripts.get(command.script_id)
        if script is None or not may_see(script, command.principal):
            raise NotFoundError("Script not found.")
        require_token_covers(script, command.principal)
        await self._authorizer.require_author(command.principal, script, command.context)
        await self._authorizer.require(
            command.principal,
            SCRIPTS_CREATE,
            command.context,
            resource_type="script",
            resource_id=script.id,
        )
        return script


async def _follow_block(
    uow: UnitOfWork,
    clock: Clock,
    command: PublishScriptVersionCommand,
    draft: VersionDraft,
    version: ScriptVersion,
    script: Script,
) -> None:
    """Give `script`, as read after staging `version` (which locked it: what committed
    before), the name, description and license the new version's block declares, and its
    localized texts (none for a block without any), audited `script.updated` with the fields
    that changed and the version that changed them."""
    declared = draft.declared
    requested = ScriptChanges(
        name=UNCHANGED if declared.name is None else declared.name,
        description=UNCHANGED if declared.description is None else declared.description,
        license=UNCHANGED if declared.license is None else declared.license,
        localized=UNCHANGED if draft.metadata is None else declared.localized,
    )
    changes = differing_changes(requested, script)
    if not (fields := changed_fields(changes)):
        return
    await uow.scripts.edit(script.id, changes, version.created_at)
    await uow.audit.record(
        script_change_entry(
            clock,
            "script.updated",
            command.context,
            command.principal,
            script,
            {"fields": fields, "version": version.version},
        )
    )


def _drafted(command: PublishScriptVersionCommand) -> VersionDraft:
    problems = Problems()
    draft = draft_version(command.code, command.version, command.changelog, problems)
    if draft is None:
        raise ValidationError(problems.found)
    return draft
