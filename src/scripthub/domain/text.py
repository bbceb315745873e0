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


_ZWJ = "\u200d"
_VARIATION_SELECTORS = frozenset("\ufe0e\ufe0f")
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_TAGS = range(0xE0020, 0xE0080)
_CANCEL_TAG = "\U000e007f"
_BLACK_FLAG = "\U0001f3f4"


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or ord(char) in _SKIN_TONES


def _is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return category in {"Cf", "Zl", "Zp", "Co", "Cn"} or ord(char) in _INVISIBLE_OUTSIDE_FORMAT


def _joins_emoji(value: str, at: int) -> bool:
    """Whether the invisible `value[at]` builds an emoji sequence (Unicode TS #51): a variation
    selector after a visible character, or a zero-width joiner between two emoji."""
    char, before = value[at], value[at - 1] if at else ""
    if char in _VARIATION_SELECTORS:
        return bool(before) and not _is_invisible(before)
    if char == _ZWJ:
        base = value[at - 2] if before in _VARIATION_SELECTORS and at > 1 else before
        after = value[at + 1 : at + 2]
        return bool(base) and _is_emoji(base) and bool(after) and _is_emoji(after)
    return False


def invisible_character_problem(value: str, *, emoji: bool = False) -> str | None:
    """Say what is wrong with invisible or bidirectional-control characters in `value`.

    Zero-width characters, bidi overrides (U+202E) and their kin (category Cf), separators and
    blanks let two different strings look identical: an address holding one could pass for
    another account's. With `emoji`, those that emoji sequences are made of are accepted
    where they build one (`🖥️`, `👩🏽‍💻`, and the tags of a subdivision flag between U+1F3F4
    and U+E007F), and nowhere else.
    """
    problem = "must not contain invisible or bidirectional-control characters"
    in_flag = False
    for at, char in enumerate(value):
        if in_flag:
            if ord(char) not in _TAGS:
                return problem
            in_flag = char != _CANCEL_TAG
        elif _is_invisible(char) and not (emoji and _joins_emoji(value, at)):
            starts_flag = emoji and at > 0 and value[at - 1] == _BLACK_FLAG
            if not (starts_flag and ord(char) in _TAGS and char != _CANCEL_TAG):
                return problem
            in_flag = True
    return problem if in_flag else None
