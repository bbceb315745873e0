"""Rules for free text that crosses our boundary."""

from __future__ import annotations

import unicodedata

_ALLOWED_IN_MULTILINE = frozenset("\n\r\t")


def control_character_problem(value: str, *, allow_newlines: bool = False) -> str | None:
    """Say what is wrong with control characters in `value`, or None.

    NUL and other C0/C1 controls are never meaningful in names or emails, and PostgreSQL
    refuses NUL in text, so they are rejected at the edge rather than failing in storage.
    """
    for char in value:
        if allow_newlines and char in _ALLOWED_IN_MULTILINE:
            continue
        if unicodedata.category(char) == "Cc":
            return "must not contain control characters"
        if unicodedata.category(char) == "Cs":
            return "must not contain unpaired surrogates"
    return None
