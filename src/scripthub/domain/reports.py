"""Reports of scripts and their resolution by moderators: the values and pure rules."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from scripthub.domain.errors import FieldProblem, ValidationError
from scripthub.domain.scripts import check_prose
from scripthub.domain.takedowns import TakedownMode

MAX_TEXT_LENGTH: Final = 2000
"""Of a report's details, a rebuttal and a moderator's note."""
REPORTS_PER_WINDOW: Final = 10
REPORT_WINDOW: Final = timedelta(days=1)
"""A reporter files at most `REPORTS_PER_WINDOW` reports in any such window (rolling)."""


class ReportReason(enum.StrEnum):
    MALWARE = "malware"
    UNDISCLOSED_ANTIFEATURE = "undisclosed_antifeature"
    OBFUSCATED = "obfuscated"
    SPAM = "spam"
    COPYRIGHT = "copyright"
    BROKEN = "broken"
    ILLEGAL = "illegal"
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Decision(enum.StrEnum):
    DISMISS = "dismiss"
    UPHOLD = "uphold"

    @property
    def status(self) -> ReportStatus:
        return ReportStatus.UPHELD if self is Decision.UPHOLD else ReportStatus.DISMISSED


class ModerationAction(enum.StrEnum):
    NONE = "none"
    UNLIST = "unlist"
    DELETE = "delete"
    SUSPEND_AUTHOR = "suspend_author"


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    username: str


@dataclass(frozen=True)
class Resolution:
    """How a moderator closed a report. `action` is None for a dismissal; `mode` and
    `redirect_to` only for a `delete`."""

    decision: Decision
    action: ModerationAction | None
    note: str | None
    at: datetime
    moderator_id: uuid.UUID | None
    mode: TakedownMode | None = None
    redirect_to: uuid.UUID | None = None


@dataclass(frozen=True)
class Report:
    id: uuid.UUID
    script_id: uuid.UUID
    script_name: str
    script_owner_id: uuid.UUID
    reporter: Person
    reason: ReportReason
    details: str
    version: str | None
    status: ReportStatus
    created_at: datetime
    rebuttal: str | None = None
    rebutted_at: datetime | None = None
    resolution: Resolution | None = None


def check_report_text(field: str, text: str) -> str:
    """1 to `MAX_TEXT_LENGTH` characters, not all blank, of prose (newlines allowed, no
    other control characters); a ValidationError naming `field`."""
    check_prose(field, text, MAX_TEXT_LENGTH)
    if not text.strip():
        raise ValidationError.single(field, "must not be empty")
    return text


def check_note(note: str | None) -> str | None:
    """A moderator's note: optional, at most `MAX_TEXT_LENGTH` characters of prose; a blank
    one is no note."""
    if note is None:
        return None
    check_prose("note", note, MAX_TEXT_LENGTH)
    return note if note.strip() else None


def check_resolution(
    decision: Decision,
    action: ModerationAction | None,
    mode: TakedownMode | None,
    redirect_to: uuid.UUID | None,
) -> None:
    """What a resolution must name, all problems at once: an upheld report an `action`, a
    dismissed one none; a `delete` a `mode` (and nothing else one), a `redirect` a
    `redirect_to` (and nothing else one)."""
    problems: list[FieldProblem] = []
    if decision is Decision.DISMISS:
        problems += [
            FieldProblem(name, "is only for decision uphold")
            for name, value in (("action", action), ("mode", mode), ("redirect_to", redirect_to))
            if value is not None
        ]
    elif action is None:
        problems.append(FieldProblem("action", "is required when the decision is uphold"))
    elif action is ModerationAction.DELETE and mode is None:
        problems.append(FieldProblem("mode", "is required for action delete"))
    elif action is not ModerationAction.DELETE and mode is not None:
        problems.append(FieldProblem("mode", "is only for action delete"))
    if decision is Decision.UPHOLD:
        if mode == TakedownMode.REDIRECT and redirect_to is None:
            problems.append(FieldProblem("redirect_to", "is required for mode redirect"))
        elif mode != TakedownMode.REDIRECT and redirect_to is not None:
            problems.append(FieldProblem("redirect_to", "is only for mode redirect"))
    if problems:
        raise ValidationError(problems)
