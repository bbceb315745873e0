"""A moderator's decision on a report, and the action it takes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.authorization import Authorizer
from scripthub.application.mail.report_mails import queue_mail, report_resolved_notice
from scripthub.application.moderation.takedowns import take_down
from scripthub.application.moderation.views import ReportView, report_view
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.scripts import ScriptChanges
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.access import cache_names
from scripthub.application.scripts.changing import script_change_entry
from scripthub.application.users.account_status import (
    StatusChange,
    stage_status_change,
    status_changed,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.reports import (
    Decision,
    ModerationAction,
    Report,
    ReportStatus,
    Resolution,
    check_note,
    check_resolution,
)
from scripthub.domain.roles import SCRIPTS_MODERATE
from scripthub.domain.scripts import Script, Visibility
from scripthub.domain.takedowns import Takedown, TakedownMode
from scripthub.domain.users import AccountStatus


@dataclass(frozen=True)
class ResolveReportCommand:
    actor: Actor
    report_id: uuid.UUID
    decision: Decision
    action: ModerationAction | None = None
    mode: TakedownMode | None = None
    redirect_to: uuid.UUID | None = None
    note: str | None = None
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class ResolveReport:
    """A holder of `scripts.moderate` dismisses or upholds an OPEN report; upheld, with an
    action on its script, all in one transaction:

    - `none`: nothing but the decision;
    - `unlist`: a public script becomes unlisted (a private or unlisted one stays as it is),
      and may not be made public again but by a moderator (`EditScript`);
    - `delete`: taken down with `mode` (and `redirect_to`) as `take_down` does;
    - `suspend_author`: the owner's account is suspended as an administrator suspends one
      (sessions and tokens end, scripts hidden), audited `user.status_changed` too; one's own
      account is a ConflictError, as is leaving nobody with `roles.manage`.

    Audited `report.resolved` with `metadata.decision`, `action`, `mode`, `redirect_to` and
    the owner's id (`owner_id`); the owner and the reporter are mailed. A report resolved
    already is a ConflictError, also for the loser of two moderators resolving at once (the
    write is guarded); `unlist` and `delete` of a script deleted meanwhile is a
    ConflictError and changes nothing."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    session_ending: SessionEnding
    latest_code: LatestCodeCache
    clock: Clock

    async def execute(self, command: ResolveReportCommand) -> ReportView:
        note = check_note(command.note)
        check_resolution(command.decision, command.action, command.mode, command.redirect_to)
        await self.authorizer.require(
            command.actor,
            SCRIPTS_MODERATE,
            command.context,
            resource_type="report",
            resource_id=command.report_id,
        )
        now = self.clock.now()
        resolution = Resolution(
            decision=command.decision,
            action=command.action,
            note=note,
            at=now,
            moderator_id=command.actor.user_id,
            mode=command.mode,
            redirect_to=command.redirect_to,
        )
        suspension: StatusChange | None = None
        async with self.uow_factory() as uow:
            report = await uow.reports.get(command.report_id)
            if report is None:
                raise NotFoundError("Report not found.")
            if report.status is not ReportStatus.OPEN:
                raise ConflictError("This report is resolved already.")
            resolved = await uow.reports.resolve(
                report.id,
                resolution,
                locks_visibility=command.action is ModerationAction.UNLIST,
            )
            if resolved is None:
                raise ConflictError("This report is resolved already.")
            script = await uow.scripts.get(report.script_id)
            metadata = self._metadata(report, resolution)
            if command.action in (ModerationAction.UNLIST, ModerationAction.DELETE):
                if script is None:
                    raise ConflictError(
                        "The script is deleted: uphold with the action none or suspend_author."
                    )
                await self._act_on(uow, script, command, report, now)
            elif command.action is ModerationAction.SUSPEND_AUTHOR:
                suspension = await self._suspend(uow, command, report, now)
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "report.resolved",
                    command.context,
                    actor_id=command.actor.user_id,
                    resource_type="report",
                    resource_id=report.id,
                    metadata=metadata,
                )
            )
            await self._mail(uow, resolved, resolution)
            await uow.commit()
        if script is not None and command.action in (
            ModerationAction.UNLIST,
            ModerationAction.DELETE,
        ):
            await self.latest_code.changed(cache_names(script))
        if suspension is not None:
            await status_changed(suspension, self.session_ending, self.latest_code)
        return report_view(resolved, command.actor)

    async def _act_on(
        self,
        uow: UnitOfWork,
        script: Script,
        command: ResolveReportCommand,
        report: Report,
        now: datetime,
    ) -> None:
        """Take the script down or unlist it, audited on the script too (`script.deleted`
        with `metadata.mode`, `script.updated` with `metadata.fields`), naming the report."""
        by_report = {"report_id": str(report.id)}
        metadata: dict[str, Any]
        if command.action is ModerationAction.DELETE:
            assert command.mode is not None  # noqa: S101 - check_resolution saw to it
            await take_down(uow, script, Takedown(command.mode, command.redirect_to), now)
            action, metadata = "script.deleted", {"mode": str(command.mode), **by_report}
        else:
            # A write changing nothing first: it waits for an edit under way (which may be
            # making the script public, or private), so the unlisting is decided on, and
            # audited for, the script as that edit left it, not as it was read before.
            current = await uow.scripts.edit(script.id, ScriptChanges(), now)
            if current is None:
                raise ConflictError("The script is deleted: uphold with the action none.")
            if current.visibility is not Visibility.PUBLIC:
                return
            unlisted = ScriptChanges(visibility=Visibility.UNLISTED)
            if await uow.scripts.edit(script.id, unlisted, now) is None:  # pragma: no cover
                raise ConflictError("The script is deleted: uphold with the action none.")
            action, metadata = "script.updated", {"fields": ["visibility"], **by_report}
        await uow.audit.record(
            script_change_entry(
                self.clock, action, command.context, command.actor, script, metadata
            )
        )

    async def _suspend(
        self, uow: UnitOfWork, command: ResolveReportCommand, report: Report, now: datetime
    ) -> StatusChange:
        owner_id = report.script_owner_id
        if owner_id == command.actor.user_id:
            raise ConflictError("You cannot change the status of your own account.")
        change = await stage_status_change(
            uow, self.session_ending, owner_id, AccountStatus.SUSPENDED, now
        )
        if change.changed:
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "user.status_changed",
                    command.context,
                    actor_id=command.actor.user_id,
                    resource_type="user",
                    resource_id=owner_id,
                    metadata={
                        "from": str(change.previous),
                        "to": str(change.status),
                        "report_id": str(report.id),
                    },
                )
            )
        return change

    @staticmethod
    def _metadata(report: Report, resolution: Resolution) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "decision": str(resolution.decision),
            "action": None if resolution.action is None else str(resolution.action),
            "script_id": str(report.script_id),
            "owner_id": str(report.script_owner_id),
        }
        if resolution.mode is not None:
            metadata["mode"] = str(resolution.mode)
        if resolution.redirect_to is not None:
            metadata["redirect_to"] = str(resolution.redirect_to)
        return metadata

    async def _mail(self, uow: UnitOfWork, report: Report, resolution: Resolution) -> None:
        """The owner and the reporter hear of the decision (a deleted account does not)."""
        for user_id in dict.fromkeys([report.script_owner_id, report.reporter.id]):
            user = await uow.users.get(user_id)
            if user is not None and user.account_status is not AccountStatus.DELETED:
                await queue_mail(uow, self.clock, report_resolved_notice(user, report, resolution))
