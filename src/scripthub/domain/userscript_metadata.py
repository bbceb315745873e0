"""The metadata block of a userscript (`// ==UserScript==`) or user style (`/* ==UserStyle==`).

Parsing is line-based and lenient, like the script managers': leading whitespace, `//@key`,
tabs or several spaces between key and value, CRLF line endings and trailing text after the
markers are all accepted. Only the first block of the code counts, wherever it starts (managers
accept a block after a leading comment or `'use strict';`); a block that never closes is not a
block at all.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass


class BlockKind(enum.StrEnum):
    USERSCRIPT = "userscript"
    USERSTYLE = "userstyle"


@dataclass(frozen=True, slots=True)
class _Syntax:
    kind: BlockKind
    opening: re.Pattern[str]
    closing: re.Pattern[str]
    entry: re.Pattern[str]


# An entry line is split into lead (up to and including `@`), key, gap and value, so that a
# rewrite can replace the value and keep the author's spacing.
_SYNTAXES = (
    _Syntax(
        BlockKind.USERSCRIPT,
        opening=re.compile(r"\s*//[ \t]*==UserScript=="),
        closing=re.compile(r"\s*//[ \t]*==/UserScript=="),
        entry=re.compile(r"(\s*//[ \t]*@)(\S+)(\s*)(.*?)\s*"),
    ),
    _Syntax(
        BlockKind.USERSTYLE,
        opening=re.compile(r"\s*/\*\s*==UserStyle=="),
        closing=re.compile(r"\s*==/UserStyle==\s*\*/"),
        entry=re.compile(r"(\s*@)(\S+)(\s*)(.*?)\s*"),
    ),
)

REPEATABLE_KEYS = frozenset(
    {
        *("match", "include", "exclude", "exclude-match", "grant", "connect", "require"),
        *("resource", "antifeature", "compatible", "incompatible"),
        # UserCSS declares one `@var` or `@advanced` line per user setting.
        *("var", "advanced"),
    }
)
"""Keys listed in `metadata` even when they appear once; any key that appears twice is too."""

ANTIFEATURE_TYPES = frozenset(
    {"ads", "tracking", "miner", "referral-link", "membership", "payment"}
)
"""The `@antifeature` types API.md (and Greasy Fork) know; other types are ignored."""


@dataclass(frozen=True, slots=True)
class BlockLine:
    """One line of a metadata block; `key` is None for markers, blanks and plain comments."""

    start: int
    text: str
    eol: str
    key: str | None = None
    value: str = ""
    value_at: int = 0  # where the value starts (or would start) in `text`


@dataclass(frozen=True, slots=True)
class MetadataBlock:
    """Where the block sits in the code: `code[start:end]` is it, with its line endings."""

    kind: BlockKind
    lines: tuple[BlockLine, ...]
    start: int
    end: int


def _lines(code: str, start: int = 0) -> Iterator[tuple[int, str, str]]:
    # Split on "\n" only, as the managers do: "\x0c" or "\u2028" in a header is not a break.
    while start < len(code):
        newline = code.find("\n", start)
        stop = len(code) if newline < 0 else newline + 1
        raw = code[start:stop]
        text = raw.removesuffix("\n").removesuffix("\r")
        yield start, text, raw[len(text) :]
        start = stop


def _entry(syntax: _Syntax, start: int, text: str, eol: str) -> BlockLine:
    match = syntax.entry.fullmatch(text)
    if match is None:
        return BlockLine(start, text, eol)
    return BlockLine(start, text, eol, match[2], match[4], match.start(4))


def find_block(code: str) -> MetadataBlock | None:
    """The first metadata block of `code`, or None when there is none or it never closes."""
    lines = _lines(code)
    for start, text, eol in lines:
        syntax = next((s for s in _SYNTAXES if s.opening.match(text)), None)
        if syntax is None:
            continue
        found = [BlockLine(start, text, eol)]
        for line_start, line_text, line_eol in lines:
            if syntax.closing.match(line_text):
                found.append(BlockLine(line_start, line_text, line_eol))
                end = line_start + len(line_text) + len(line_eol)
                return MetadataBlock(syntax.kind, tuple(found), start, end)
            found.append(_entry(syntax, line_start, line_text, line_eol))
        return None
    return None


@dataclass(frozen=True, slots=True)
class Metadata:
    """The entries of a metadata block, in order, keys without `@` (`name:fr` is its own key).

    A single-valued key given twice keeps both values in `as_json()`; `get` answers the first,
    as Tampermonkey and Violentmonkey do.
    """

    kind: BlockKind
    entries: tuple[tuple[str, str], ...]
    start: int
    end: int

    def get(self, key: str) -> str | None:
        """The first value of `key`, or None when the block lacks it."""
        return next((value for name, value in self.entries if name == key), None)

    def get_list(self, key: str) -> list[str]:
        """Every value of `key`, in order of appearance."""
        return [value for name, value in self.entries if name == key]

    @property
    def name(self) -> str | None:
        return self.get("name")

    @property
    def version(self) -> str | None:
        return self.get("version")

    @property
    def antifeatures(self) -> list[str]:
        """Sorted distinct known `@antifeature` types, localized declarations included."""
        return sorted(
            {
                kind
                for key, value in self.entries
                if key.split(":", 1)[0] == "antifeature"
                and (kind := antifeature_type(value)) is not None
            }
        )

    def as_json(self) -> dict[str, str | list[str]]:
        """The Version resource's `metadata`: repeatable or repeated keys as lists."""
        grouped: dict[str, list[str]] = {}
        for key, value in self.entries:
            grouped.setdefault(key, []).append(value)
        return {
            key: values if len(values) > 1 or _is_repeatable(key) else values[0]
            for key, values in grouped.items()
        }


def _is_repeatable(key: str) -> bool:
    return key.split(":", 1)[0] in REPEATABLE_KEYS


def antifeature_type(value: str) -> str | None:
    """The known type an `@antifeature` value declares (`ads We show ads` → `ads`), or None."""
    kind = value.split(maxsplit=1)[0].lower() if value.strip() else ""
    return kind if kind in ANTIFEATURE_TYPES else None


def parse_metadata(code: str) -> Metadata | None:
    """Parse the first `==UserScript==` or `==UserStyle==` block of `code`; None without one."""
    block = find_block(code)
    if block is None:
        return None
    entries = tuple((line.key, line.value) for line in block.lines if line.key is not None)
    return Metadata(block.kind, entries, block.start, block.end)
