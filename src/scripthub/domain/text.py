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


# Default-ignorable and blank code points outside the Cf category: they render as nothing, so
# two addresses that differ only by one of them look the same to a reader.
_INVISIBLE_OUTSIDE_FORMAT = frozenset(
    [
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0),
        *range(0x180B, 0x1810),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)


def invisible_character_problem(value: str) -> str | None:
    """Say what is wrong with invisible or bidirectional-control characters in `value`.

    Zero-width characters, bidi overrides (U+202E) and their kin (category Cf), separators and
    blanks let two different strings look identical: an address holding one could pass for
    another account's.
    """
    for char in value:
        category = unicodedata.category(char)
        if category in {"Cf", "Zl", "Zp", "Co", "Cn"} or ord(char) in _INVISIBLE_OUTSIDE_FORMAT:
            return "must not contain invisible or bidirectional-control characters"
    return None
