"""Report a script to the moderators."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.audit.recording import audit_entry
from scripthub.application.mail.report_mails import queue_mail, report_filed_notice
from scripthub.application.moderation.views import ReportView, report_view
from scripthub.application.ports.reports import NewReport
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.unpublished import visible_version
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    ConflictError,
    EmailNotVerifiedError,
    ForbiddenError,
    NotFoundError,
    TokenScopeError,
    TooManyReportsError,
    ValidationError,
)
from scripthub.domain.reports import (
    REPORT_WINDOW,
    REPORTS_PER_WINDOW,
    ReportReason,
    check_report_text,
)
from scripthub.domain.script_versions import MAX_VERSION_LENGTH


@dataclass(frozen=True)
class FileReportCommand:
    principal: Principal
    script_id: uuid.UUID
    reason: ReportReason
    details: str
    version: str | None = None
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class FileReport:
    """The caller reports a script they may see, audited `report.filed`; its owner is mailed
    (the mail never names the reporter).

    Needs a session (TokenScopeError for a token) and a verified email
    (EmailNotVerifiedError). Refused: one's own script (ForbiddenError); a `version` the
    script does not have, or one held or rejected that the caller may not see (NotFoundError;
    one longer than a version can be, a ValidationError
    on `version`); a second OPEN report of one reporter on one script (ConflictError, also
    for concurrent requests: the repository's partial unique index); more than
    `REPORTS_PER_WINDOW` reports in any `REPORT_WINDOW` (TooManyReportsError, whose
    `retry_after` is when the oldest of them stops counting). A reporter's reports are
    serialised by their account's lock, so concurrent ones never pass the limit together."""

    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def execute(self, command: FileReportCommand) -> ReportView:
        principal = command.principal
        if principal.token is not None:
            raise TokenScopeError("Reports are filed with a session, not with a token.")
        details = check_report_text("details", command.details)
        if command.version is not None and len(command.version) > MAX_VERSION_LENGTH:
            raise ValidationError.single(
                "version", f"must be at most {MAX_VERSION_LENGTH} characters"
            )
        now = self.clock.now()
        async with self.uow_factory() as uow:
            script = await load_visible_script(uow, str(command.script_id), principal)
            if script.owner_id == principal.user_id:
                raise ForbiddenError("You cannot report your own script.")
            await hold_active_account(uow, principal)
            reporter = await uow.users.get(principal.user_id)
            if reporter is None or not reporter.email_verified:
                raise EmailNotVerifiedError("Verify your email before you report a script.")
            if command.version is not None and (
                visible_version(
                    script, await uow.scripts.get_version(script.id, command.version), principal
                )
                is None
            ):
                raise NotFoundError("The script has no such version.")
            since = now - REPORT_WINDOW
            if await uow.reports.count_filed_since(principal.user_id, since) >= REPORTS_PER_WINDOW:
                oldest = await uow.reports.oldest_filed_since(principal.user_id, since) or now
                wait = (oldest + REPORT_WINDOW - now).total_seconds()
                raise TooManyReportsError(max(1, math.ceil(wait)))
            new = NewReport(
                id=uuid.uuid4(),
                script_id=script.id,
                reporter_id=principal.user_id,
                reason=command.reason,
                details=details,
                version=command.version,
                created_at=now,
            )
            if not await uow.reports.add(new):
                raise ConflictError("You have an open report on this script already.")
            report = await uow.reports.get(new.id)
            if report is None:  # pragma: no cover - added just above, in this transaction
                raise NotFoundError("Report not found.")
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "report.filed",
                    command.context,
                    actor_id=principal.user_id,
                    resource_type="report",
                    resource_id=report.id,
                    metadata={
                        "script_id": str(script.id),
                        "owner_id": str(script.owner_id),
                        "reason": str(command.reason),
                    },
                )
            )
            owner = await uow.users.get(script.owner_id)
            if owner is not None:
                await queue_mail(uow, self.clock, report_filed_notice(owner, report))
            await uow.commit()
        return report_view(report, principal)
