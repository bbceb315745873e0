"""Report, rebuttal and resolution bodies, reports as their readers see them, and the public
moderation log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from scripthub.application.moderation.moderation_log import LoggedAction
from scripthub.application.moderation.views import ReportView
from scripthub.domain.reports import (
    MAX_TEXT_LENGTH,
    Decision,
    ModerationAction,
)
from scripthub.domain.script_versions import MAX_VERSION_LENGTH
from scripthub.domain.takedowns import TakedownMode
from scripthub.entrypoints.http.schemas.fields import documented

ReasonName = Literal[
    "malware",
    "undisclosed_antifeature",
    "obfuscated",
    "spam",
    "copyright",
    "broken",
    "illegal",
    "other",
]
ActionName = Literal["none", "unlist", "delete", "suspend_author"]
ModeName = Literal["keep", "redirect", "blank"]
StatusName = Literal["open", "upheld", "dismissed"]


def _text(description: str, *, min_length: int = 1) -> msgspec.Meta:
    return documented(description, min_length=min_length, max_length=MAX_TEXT_LENGTH)


class ReportBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: ReasonName
    details: Annotated[str, _text("What is wrong, for the moderators (not blank)")]
    version: (
        Annotated[
            str,
            documented(
                "The version reported (a version the script has: 404 otherwise)",
                max_length=MAX_VERSION_LENGTH,
            ),
        ]
        | None
    ) = None


class RebuttalBody(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, _text("The owner's answer to the report (not blank)")]


class ResolutionBody(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["dismiss", "uphold"]
    action: ActionName | None = None
    """Required to uphold; not for a dismissal."""
    mode: ModeName | None = None
    """For the action `delete` only, which requires it."""
    redirect_to: uuid.UUID | None = None
    """For the mode `redirect` only, which requires it: another public script's id."""
    note: (
        Annotated[str, _text("The moderator's note, shown in the public log", min_length=0)] | None
    ) = None


class ScriptRef(msgspec.Struct):
    id: uuid.UUID
    name: str


class PersonOut(msgspec.Struct):
    id: uuid.UUID
    username: str


class ResolutionOut(msgspec.Struct):
    decision: Literal["dismiss", "uphold"]
    action: ActionName | None
    mode: ModeName | None
    redirect_to: uuid.UUID | None
    note: str | None
    at: datetime


class ReportOut(msgspec.Struct, omit_defaults=True):
    id: uuid.UUID
    script: ScriptRef
    reason: ReasonName
    details: str
    version: str | None
    status: StatusName
    rebuttal: str | None
    resolution: ResolutionOut | None
    created_at: datetime
    reporter: PersonOut | msgspec.UnsetType = msgspec.UNSET
    """To holders of `scripts.moderate` only."""


class ReportPageOut(msgspec.Struct):
    items: list[ReportOut]
    next_cursor: str | None


class LoggedActionOut(msgspec.Struct):
    id: uuid.UUID
    """The report's."""
    script: ScriptRef
    reason: ReasonName
    action: ActionName
    mode: ModeName | None
    note: str | None
    at: datetime


class ModerationLogOut(msgspec.Struct):
    items: list[LoggedActionOut]
    next_cursor: str | None


def report_out(view: ReportView) -> ReportOut:
    report = view.report
    resolution = report.resolution
    return ReportOut(
        id=report.id,
        script=ScriptRef(report.script_id, report.script_name),
        reason=report.reason.value,
        details=report.details,
        version=report.version,
        status=report.status.value,
        rebuttal=report.rebuttal,
        resolution=None
        if resolution is None
        else ResolutionOut(
            decision=resolution.decision.value,
            action=None if resolution.action is None else resolution.action.value,
            mode=None if resolution.mode is None else resolution.mode.value,
            redirect_to=resolution.redirect_to,
            note=resolution.note,
            at=resolution.at,
        ),
        created_at=report.created_at,
        reporter=msgspec.UNSET
        if view.reporter is None
        else PersonOut(view.reporter.id, view.reporter.username),
    )


def logged_action_out(entry: LoggedAction) -> LoggedActionOut:
    return LoggedActionOut(
        id=entry.id,
        script=ScriptRef(entry.script_id, entry.script_name),
        reason=entry.reason.value,
        action=entry.action.value,
        mode=None if entry.mode is None else entry.mode.value,
        note=entry.note,
        at=entry.at,
    )


def resolution_parts(
    body: ResolutionBody,
) -> tuple[Decision, ModerationAction | None, TakedownMode | None]:
    return (
        Decision(body.decision),
        None if body.action is None else ModerationAction(body.action),
        None if body.mode is None else TakedownMode(body.mode),
    )
