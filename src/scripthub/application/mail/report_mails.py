"""The mails of reports: to a script's owner when it is reported, to the owner and the
reporter when a moderator resolves the report. None of them names the reporter."""

from __future__ import annotations

import uuid
from html import escape

from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.mail import Email, OutboxMessage
from scripthub.domain.reports import Decision, Report, Resolution
from scripthub.domain.users import User


async def queue_mail(uow: UnitOfWork, clock: Clock, email: Email) -> None:
    """Queue `email` in the outbox, in the caller's transaction: it is sent exactly when the
    change that caused it commits."""
    now = clock.now()
    await uow.outbox.enqueue(
        OutboxMessage(id=uuid.uuid4(), email=email, created_at=now, next_attempt_at=now)
    )


def _email(to: User, subject: str, paragraphs: list[str]) -> Email:
    text = "\n\n".join([f"Hi {to.username},", *paragraphs, "— ScriptHub"]) + "\n"
    html = "".join(
        f"<p>{escape(paragraph)}</p>"
        for paragraph in [f"Hi {to.username},", *paragraphs, "— ScriptHub"]
    )
    return Email(to=to.email, subject=subject, text=text, html=html)


def report_filed_notice(owner: User, report: Report) -> Email:
    """Tells the owner what their script was reported for (never by whom), and that they
    may answer once."""
    return _email(
        owner,
        f"Your script {report.script_name} was reported",
        [
            (
                f"Your script {report.script_name} was reported to the moderators for: "
                f"{report.reason}."
            ),
            f"What the report says:\n{report.details}",
            (
                "You may answer it once (a rebuttal) before a moderator decides; you will hear "
                "of the decision."
            ),
        ],
    )


def report_resolved_notice(to: User, report: Report, resolution: Resolution) -> Email:
    """Tells the owner or the reporter how a moderator resolved the report."""
    if resolution.decision is Decision.DISMISS:
        outcome = "The moderators dismissed the report: no action was taken."
    else:
        action = str(resolution.action)
        if resolution.mode is not None:
            action = f"{action} ({resolution.mode})"
        outcome = f"The moderators upheld the report. Action taken: {action}."
    paragraphs = [
        f"The report about the script {report.script_name} (reason: {report.reason}) was resolved.",
        outcome,
    ]
    if resolution.note:
        paragraphs.append(f"The moderator's note:\n{resolution.note}")
    return _email(to, f"A report about {report.script_name} was resolved", paragraphs)
