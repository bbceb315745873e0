"""Where the metadata block of a userscript or user style is, line by line, as the script
managers find it.

Violentmonkey's released parser (`parseMeta` and `METABLOCK_RE` in its source) is strict: the
block opens at the first line that is `// ==UserScript==` after JavaScript whitespace, closes at
the first later `// ==/UserScript==` line, and reads `// @key value` lines (exactly one space
after `//`) inside it. Tampermonkey, and Violentmonkey's newer parser written to match it, are
relaxed: any text may stand before `//`, and spaces or tabs (or none) between `//` and the
marker or the `@`. Both read keys with JavaScript's `\\S`, values up to JavaScript's end of
line (`\\r`, U+2028 and U+2029 end a value, though only `\\n` ends a line), trimmed of
JavaScript whitespace, which includes U+FEFF and U+00A0. A text that starts with `<` after
whitespace is HTML to Violentmonkey, whatever it holds.

Every pattern here is linear in its input: possessive quantifiers (`*+`, `++`) never give back
what they took, and each lazy scan of a line fails at a fixed set of characters.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field


class BlockKind(enum.StrEnum):
    USERSCRIPT = "userscript"
    USERSTYLE = "userstyle"


class Dialect(enum.StrEnum):
    STRICT = "Violentmonkey"
    RELAXED = "Tampermonkey"


_WS = "\\t\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
"""JavaScript's `\\s` less `\\n`, as a character class body: whitespace within one line (a
class that took `\\n` too would rescan blank lines from every line start)."""
_WS_NO_BREAK = "\\t\\v\\f \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000\\ufeff"
"""`_WS` less the line terminators that end a value."""
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
JS_WHITESPACE += "\u2028\u2029\u202f\u205f\u3000\ufeff"
_VALUE = r"([^\n\r\u2028\u2029]*+)"
"""JavaScript's `(.*)`: up to the first line terminator."""
KEY_CHAR = rf"[^\n{_WS}]"
"""A character of a key: JavaScript's `\\S`, as a pattern."""
_KEY = rf"@({KEY_CHAR}++)"
_ANY_LEAD = r"[^\n\r\u2028\u2029]*?"
"""Tampermonkey's `(.*?)` before `//`: any text but a line terminator."""
_STRICT_LEAD = rf"[{_WS}]*+// "
_STRICT_ENTRY = _STRICT_LEAD + _KEY
_RELAXED_ENTRY = rf"{_ANY_LEAD}//[ \t]*+{_KEY}"


@dataclass(frozen=True, slots=True)
class _Marker:
    """A line that opens or closes a block: `pattern` from the line's start; `text`, a string
    every such line holds, by which candidate lines are found fast."""

    text: str
    pattern: re.Pattern[str]

    def search(self, code: str, pos: int) -> re.Match[str] | None:
        """The first such line at or after `pos` (a line's start)."""
        while (at := code.find(self.text, pos)) >= 0:
            line_end = _line_end(code, at)
            line = max(code.rfind("\n", pos, at) + 1, pos)
            if (found := self.pattern.match(code, line, line_end)) is not None:
                return found
            pos = line_end
        return None


@dataclass(frozen=True, slots=True)
class _Grammar:
    opening: _Marker
    closing: _Marker
    lead: str
    """What stands before an entry's `@` on its line."""


def _grammar(lead: str, markers: tuple[str, str]) -> _Grammar:
    """Markers and entries with the same `lead`, as in a userscript."""
    opening, closing = (_Marker(marker, re.compile(lead + marker)) for marker in markers)
    return _Grammar(opening, closing, lead)


_USERSCRIPT = ("==UserScript==", "==/UserScript==")
_GRAMMARS = {
    (BlockKind.USERSCRIPT, Dialect.STRICT): _grammar(_STRICT_LEAD, _USERSCRIPT),
    (BlockKind.USERSCRIPT, Dialect.RELAXED): _grammar(rf"{_ANY_LEAD}//[ \t]*+", _USERSCRIPT),
    # UserCSS (Stylus): `@key value` lines inside a `/* ==UserStyle== ... ==/UserStyle== */`.
    (BlockKind.USERSTYLE, Dialect.STRICT): _Grammar(
        _Marker("==UserStyle==", re.compile(rf"[{_WS}]*+/\*[{_WS}]*+==UserStyle==")),
        _Marker("==/UserStyle==", re.compile(rf"[{_WS}]*+==/UserStyle==[{_WS}]*+\*/")),
        rf"[{_WS}]*+",
    ),
}


@functools.cache
def _entry_patterns(kind: BlockKind, dialect: Dialect) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """An entry matched where it is looked for (a line's start, or the rest of the opening
    line), and every entry line of a region."""
    entry = _GRAMMARS[kind, dialect].lead + _KEY + _VALUE
    return re.compile(entry), re.compile("^" + entry, re.MULTILINE)


@functools.cache
def _keys_pattern(keys: str) -> re.Pattern[str]:
    return re.compile(rf"@(?i:{keys})(?!{KEY_CHAR})")


_HTML = re.compile(rf"[\n{_WS}]*+<")
# A line that only one of the two dialects reads as an entry: a strict entry with a line
# terminator in its lead (Tampermonkey's `.*?` cannot pass one), or a relaxed entry that is
# no strict one. A line that both read, they read alike.
_DISAGREEING = (
    rf"(?:(?=[{_WS_NO_BREAK}]*+[\r\u2028\u2029]){_STRICT_ENTRY}"
    rf"|(?!{_STRICT_ENTRY}){_RELAXED_ENTRY})"
)
_DISAGREEING_HERE = re.compile(_DISAGREEING)
_DISAGREEING_LINE = re.compile("^" + _DISAGREEING, re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One `@key value` line of a block: `code[at]` is its `@`; the value, trimmed, starts at
    `value_at`; `code[key_end:end]` is what follows the key up to the end of the line (or its
    first other line terminator), which a new value replaces."""

    key: str
    """As written, without `@`."""
    value: str
    at: int
    key_end: int
    value_at: int
    end: int


@dataclass(frozen=True)
class MetadataBlock:
    """Where the block sits in `code`: `code[start:end]` is it, with its line endings, and
    `code[closing:end]` its closing line. Its entries are read when asked for."""

    kind: BlockKind
    dialect: Dialect
    start: int
    end: int
    closing: int
    code: str = field(repr=False, compare=False)

    @functools.cached_property
    def body_starts(self) -> tuple[int, int]:
        """Where entries may start: after the opening marker, and at the next line."""
        opening = _GRAMMARS[self.kind, self.dialect].opening.pattern.match(self.code, self.start)
        assert opening is not None, "the block was found in this code"  # noqa: S101
        return opening.end(), _line_end(self.code, opening.end())

    @functools.cached_property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The entries' keys (as written, without `@`) and trimmed values, in order."""
        return tuple((match[1], match[2].strip(JS_WHITESPACE)) for match in self._matches())

    def _matches(self) -> Iterator[re.Match[str]]:
        first, every = _entry_patterns(self.kind, self.dialect)
        marker_end, body = self.body_starts
        if (on_opening_line := first.match(self.code, marker_end, body)) is not None:
            yield on_opening_line
        yield from every.finditer(self.code, body, self.closing)

    def entries(self, keys: str | None = None) -> Iterator[Entry]:
        """Where each entry stands; with `keys` (a pattern, matched ignoring case), only the
        entries whose whole key it matches, found from those keys' own places, so that the
        few lines a rewrite changes cost little however long the block."""
        if keys is None:
            yield from map(_entry, self._matches())
            return
        code, (marker_end, _) = self.code, self.body_starts
        first, _ = _entry_patterns(self.kind, self.dialect)
        wanted = _keys_pattern(keys)
        line_end = -1
        for key in wanted.finditer(code, marker_end, self.closing):
            if key.start() < line_end:  # a line holds one entry at most: this one is read
                continue
            line_start = max(code.rfind("\n", 0, key.start()) + 1, marker_end)
            line_end = _line_end(code, key.start())
            entry = first.match(code, line_start, line_end)
            if entry is not None and wanted.match(code, entry.start(1) - 1) is not None:
                yield _entry(entry)

    def last_entries(self, lines: int) -> list[Entry]:
        """The entries among the block's last `lines` lines before its closing one, last
        first."""
        first, _ = _entry_patterns(self.kind, self.dialect)
        body = self.body_starts[1]
        found: list[Entry] = []
        end = self.closing
        for _ in range(lines):
            if end <= body:
                break
            start = self.code.rfind("\n", body, end - 1) + 1 or body
            if (entry := first.match(self.code, start, end)) is not None:
                found.append(_entry(entry))
            end = start
        return found


def _line_end(code: str, at: int) -> int:
    newline = code.find("\n", at)
    return len(code) if newline < 0 else newline + 1


def _entry(match: re.Match[str]) -> Entry:
    raw = match[2]
    value = raw.strip(JS_WHITESPACE)
    value_at = match.end(2) - len(raw.lstrip(JS_WHITESPACE))
    return Entry(match[1], value, match.start(1) - 1, match.end(1), value_at, match.end(2))


def _place(code: str, grammar: _Grammar) -> tuple[re.Match[str], re.Match[str]] | None:
    opening = grammar.opening.search(code, 0)
    if opening is None:
        return None
    closing = grammar.closing.search(code, _line_end(code, opening.end()))
    return None if closing is None else (opening, closing)


def starts_as_html(code: str) -> bool:
    """Whether Violentmonkey takes `code` for an HTML page (it starts with `<`), whatever
    block it holds."""
    return _HTML.match(code) is not None


def _is_html(code: str, kind: BlockKind, dialect: Dialect) -> bool:
    return kind is BlockKind.USERSCRIPT and dialect is Dialect.STRICT and starts_as_html(code)


def read_block(code: str, kind: BlockKind, dialect: Dialect) -> MetadataBlock | None:
    """The first block of `kind` as `dialect` reads it, or None (none, or it never closes)."""
    place = None if _is_html(code, kind, dialect) else _place(code, _GRAMMARS[kind, dialect])
    if place is None:
        return None
    opening, closing = place
    end = _line_end(code, closing.start())
    return MetadataBlock(kind, dialect, opening.start(), end, closing.start(), code)


def disagreeing_line(block: MetadataBlock) -> int | None:
    """Where, inside `block` (a strict userscript block that the relaxed reading places
    alike), a line stands that only one dialect reads as an entry; None where they agree."""
    code, (marker_end, body) = block.code, block.body_starts
    found = _DISAGREEING_HERE.match(code, marker_end, body) or _DISAGREEING_LINE.search(
        code, body, block.closing
    )
    return None if found is None else found.start()
