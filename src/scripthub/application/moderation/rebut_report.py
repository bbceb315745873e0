"""Answer a report of one's script."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.moderation.views import ReportView, may_know_of, report_view
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError, TokenScopeError
from scripthub.domain.reports import ReportStatus, check_report_text


@dataclass(frozen=True)
class RebutReportCommand:
    principal: Principal
    report_id: uuid.UUID
    text: str
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class RebutReport:
    """The reported script's owner answers an OPEN report, once: audited `report.rebutted`.

    Needs a session (TokenScopeError for a token). A report the caller did not file and
    whose script they do not own is a NotFoundError unless they hold `scripts.moderate`
    (then a ForbiddenError, audited): reports are not public. A second rebuttal, or one of
    a resolved report, is a ConflictError, also when two are sent at once (the write is
    guarded)."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: RebutReportCommand) -> ReportView:
        principal = command.principal
        if principal.token is not None:
            raise TokenScopeError("Reports are answered with a session, not with a token.")
        text = check_report_text("text", command.text)
        async with self.uow_factory() as uow:
            report = await uow.reports.get(command.report_id)
            if report is None or not may_know_of(report, principal):
                raise NotFoundError("Report not found.")
            await self.authorizer.require_owner(
                principal,
                report.script_owner_id,
                command.context,
                resource_type="report",
                resource_id=report.id,
            )
            if report.status is not ReportStatus.OPEN:
                raise ConflictError("This report is resolved: it can no longer be answered.")
            await hold_active_account(uow, principal)
            rebutted = await uow.reports.rebut(report.id, text, self.clock.now())
            if rebutted is None:
                raise ConflictError("This report has been answered already, or was resolved.")
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "report.rebutted",
                    command.context,
                    actor_id=principal.user_id,
                    resource_type="report",
                    resource_id=report.id,
                    metadata={"script_id": str(report.script_id)},
                )
            )
            await uow.commit()
        return report_view(rebutted, principal)
