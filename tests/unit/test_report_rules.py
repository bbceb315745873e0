"""The pure rules of reports: their texts, and what a resolution must name."""

from __future__ import annotations

import uuid

import pytest

from scripthub.domain.errors import ValidationError
from scripthub.domain.reports import (
    Decision,
    ModerationAction,
    check_note,
    check_report_text,
    check_resolution,
)
from scripthub.domain.takedowns import TakedownMode


def test_report_texts_are_one_to_2000_characters_of_prose() -> None:
    assert check_report_text("details", "Line one\nline two") == "Line one\nline two"
    assert check_report_text("details", "x" * 2000) == "x" * 2000
    for bad in ("", "  \n", "x" * 2001, "bell\x07"):
        with pytest.raises(ValidationError) as caught:
            check_report_text("details", bad)
        assert [p.field for p in caught.value.problems] == ["details"]


def test_a_blank_note_is_no_note() -> None:
    assert check_note(None) is None
    assert check_note("  ") is None
    assert check_note("Spam.") == "Spam."
    with pytest.raises(ValidationError):
        check_note("x" * 2001)


TARGET = uuid.uuid4()
UPHOLD, DISMISS = Decision.UPHOLD, Decision.DISMISS
DELETE, UNLIST = ModerationAction.DELETE, ModerationAction.UNLIST


@pytest.mark.parametrize(
    ("decision", "action", "mode", "redirect_to"),
    [
        (DISMISS, None, None, None),
        (UPHOLD, ModerationAction.NONE, None, None),
        (UPHOLD, UNLIST, None, None),
        (UPHOLD, ModerationAction.SUSPEND_AUTHOR, None, None),
        (UPHOLD, DELETE, TakedownMode.KEEP, None),
        (UPHOLD, DELETE, TakedownMode.BLANK, None),
        (UPHOLD, DELETE, TakedownMode.REDIRECT, TARGET),
    ],
)
def test_resolutions_that_add_up(
    decision: Decision,
    action: ModerationAction | None,
    mode: TakedownMode | None,
    redirect_to: uuid.UUID | None,
) -> None:
    check_resolution(decision, action, mode, redirect_to)


@pytest.mark.parametrize(
    ("decision", "action", "mode", "redirect_to", "fields"),
    [
        (DISMISS, UNLIST, None, None, ["action"]),
        (DISMISS, DELETE, TakedownMode.REDIRECT, TARGET, ["action", "mode", "redirect_to"]),
        (UPHOLD, None, None, None, ["action"]),
        (UPHOLD, DELETE, None, None, ["mode"]),
        (UPHOLD, UNLIST, TakedownMode.KEEP, None, ["mode"]),
        (UPHOLD, DELETE, TakedownMode.REDIRECT, None, ["redirect_to"]),
        (UPHOLD, DELETE, TakedownMode.KEEP, TARGET, ["redirect_to"]),
        (UPHOLD, UNLIST, None, TARGET, ["redirect_to"]),
    ],
)
def test_resolutions_that_do_not_add_up_name_every_field(
    decision: Decision,
    action: ModerationAction | None,
    mode: TakedownMode | None,
    redirect_to: uuid.UUID | None,
    fields: list[str],
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_resolution(decision, action, mode, redirect_to)
    assert [p.field for p in caught.value.problems] == fields
