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
import re
from collections.abc import Iterator
from dataclasses import dataclass


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
_KEY = rf"@([^\n{_WS}]++)"
_ANY_LEAD = r"[^\n\r\u2028\u2029]*?"
"""Tampermonkey's `(.*?)` before `//`: any text but a line terminator."""
_STRICT_LEAD = rf"[{_WS}]*+// "
_STRICT_ENTRY = _STRICT_LEAD + _KEY
_RELAXED_ENTRY = rf"{_ANY_LEAD}//[ \t]*+{_KEY}"


@dataclass(frozen=True, slots=True)
class _Grammar:
    opening: re.Pattern[str]
    closing: re.Pattern[str]
    entry: re.Pattern[str]
    """An entry at the position it is matched from (the rest of the opening line)."""
    entries: re.Pattern[str]
    """Every entry line of a region (MULTILINE)."""


def _grammar(opening: str, closing: str, entry: str) -> _Grammar:
    return _Grammar(
        opening=re.compile("^" + opening, re.MULTILINE),
        closing=re.compile("^" + closing, re.MULTILINE),
        entry=re.compile(entry + _VALUE),
        entries=re.compile("^" + entry + _VALUE, re.MULTILINE),
    )


_GRAMMARS = {
    (BlockKind.USERSCRIPT, Dialect.STRICT): _grammar(
        _STRICT_LEAD + "==UserScript==", _STRICT_LEAD + "==/UserScript==", _STRICT_ENTRY
    ),
    (BlockKind.USERSCRIPT, Dialect.RELAXED): _grammar(
        rf"{_ANY_LEAD}//[ \t]*+==UserScript==",
        rf"{_ANY_LEAD}//[ \t]*+==/UserScript==",
        _RELAXED_ENTRY,
    ),
    # UserCSS (Stylus): `@key value` lines inside a `/* ==UserStyle== ... ==/UserStyle== */`.
    (BlockKind.USERSTYLE, Dialect.STRICT): _grammar(
        rf"[{_WS}]*+/\*[{_WS}]*+==UserStyle==",
        rf"[{_WS}]*+==/UserStyle==[{_WS}]*+\*/",
        rf"[{_WS}]*+{_KEY}",
    ),
}
_HTML = re.compile(rf"[\n{_WS}]*+<")
# A line that only one of the two dialects reads as an entry: a strict entry with a line
# terminator in its lead (Tampermonkey's `.*?` cannot pass one), or a relaxed entry that is
# no strict one. A line that both read, they read alike.
_DISAGREEING_LINE = re.compile(
    rf"^(?:(?=[{_WS_NO_BREAK}]*+[\r\u2028\u2029]){_STRICT_ENTRY}"
    rf"|(?!{_STRICT_ENTRY}){_RELAXED_ENTRY})",
    re.MULTILINE,
)


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


@dataclass(frozen=True, slots=True)
class MetadataBlock:
    """Where the block sits in the code: `code[start:end]` is it, with its line endings, and
    `code[closing:end]` its closing line; `pairs` are its entries' keys (as written, without
    `@`) and trimmed values, in order."""

    kind: BlockKind
    dialect: Dialect
    start: int
    end: int
    closing: int
    pairs: tuple[tuple[str, str], ...]

    def entries(self, code: str) -> Iterator[Entry]:
        """Where each entry stands in `code` (this block's code): read again, since only a
        rewrite needs the places."""
        grammar = _GRAMMARS[self.kind, self.dialect]
        opening = grammar.opening.match(code, self.start)
        assert opening is not None, "the block was read from this code"  # noqa: S101
        body = _line_end(code, opening.end())
        first = grammar.entry.match(code, opening.end(), body)
        if first is not None:
            yield _entry(first)
        yield from map(_entry, grammar.entries.finditer(code, body, self.closing))


def _line_end(code: str, at: int) -> int:
    newline = code.find("\n", at)
    return len(code) if newline < 0 else newline + 1


def _entry(match: re.Match[str]) -> Entry:
    raw = match[2]
    value = raw.strip(JS_WHITESPACE)
    value_at = match.end(2) - len(raw.lstrip(JS_WHITESPACE))
    return Entry(match[1], value, match.start(1) - 1, match.end(1), value_at, match.end(2))


def _place(code: str, grammar: _Grammar) -> tuple[re.Match[str], re.Match[str]] | None:
    opening = grammar.opening.search(code)
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


def block_span(code: str, kind: BlockKind, dialect: Dialect) -> tuple[int, int] | None:
    """Where `read_block` would find the block, `(start, closing)`, without reading entries."""
    place = None if _is_html(code, kind, dialect) else _place(code, _GRAMMARS[kind, dialect])
    return None if place is None else (place[0].start(), place[1].start())


def read_block(code: str, kind: BlockKind, dialect: Dialect) -> MetadataBlock | None:
    """The first block of `kind` as `dialect` reads it, or None (none, or it never closes)."""
    grammar = _GRAMMARS[kind, dialect]
    place = None if _is_html(code, kind, dialect) else _place(code, grammar)
    if place is None:
        return None
    opening, closing = place
    body = _line_end(code, opening.end())
    first = grammar.entry.match(code, opening.end(), body)
    pairs = [] if first is None else [(first[1], first[2].strip(JS_WHITESPACE))]
    found = grammar.entries.finditer(code, body, closing.start())
    pairs.extend((match[1], match[2].strip(JS_WHITESPACE)) for match in found)
    end = _line_end(code, closing.start())
    return MetadataBlock(kind, dialect, opening.start(), end, closing.start(), tuple(pairs))


def disagreeing_line(code: str, block: MetadataBlock) -> int | None:
    """Where, inside `block` (a strict userscript block that the relaxed reading places
    alike), a line stands that only one dialect reads as an entry; None where they agree."""
    found = _DISAGREEING_LINE.search(code, _line_end(code, block.start), block.closing)
    return None if found is None else found.start()
