"""The metadata block of a userscript (`// ==UserScript==`) or user style (`/* ==UserStyle==`),
read as the script managers read it (`metadata_blocks` says how each one finds it).

Only the first block counts, wherever it starts (managers accept a block after a leading comment
or `'use strict';`); a block that never closes is not a block at all. A userscript block wins
over a user style block, since script managers never read the latter. At publication the code
must read the same to Violentmonkey and to Tampermonkey (`read_metadata`): a block that one of
them would not see, or a line that only one would take for an entry, is refused rather than
guessed at; code published before that rule is still read leniently (`parse_metadata`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.domain.errors import ValidationError
from scripthub.domain.metadata_blocks import (
    BlockKind,
    Dialect,
    MetadataBlock,
    disagreeing_line,
    read_block,
    starts_as_html,
)

__all__ = [
    "ANTIFEATURE_TYPES",
    "REPEATABLE_KEYS",
    "BlockKind",
    "Metadata",
    "MetadataBlock",
    "antifeature_type",
    "find_block",
    "is_url_key",
    "parse_metadata",
    "read_metadata",
]

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


URL_KEYS = {"updateurl": "updateURL", "downloadurl": "downloadURL", "installurl": "installURL"}
"""The update and install keys, by their folded spelling (`is_url_key`), and as written in code
ScriptHub serves."""

_KNOWN_KEYS = frozenset(
    {
        *("name", "namespace", "version", "description", "author", "license", "copyright"),
        *("homepage", "homepageURL", "website", "source", "supportURL", "contributionURL"),
        *("icon", "iconURL", "defaulticon", "icon64", "icon64URL"),
        *("include", "exclude", "match", "exclude-match", "require", "resource", "grant"),
        *("connect", "run-at", "run-in", "noframes", "unwrap", "inject-into", "sandbox"),
        *("antifeature", "compatible", "incompatible", "tag", "top-level-await", "webRequest"),
    }
)
_KNOWN_BY_FOLD = {key.lower(): key for key in _KNOWN_KEYS}


def url_key(key: str) -> str | None:
    """The update or install key that `key` (as written, `updateUrl:fr` say) may be taken for
    by some manager, spelled as ScriptHub writes it; None for any other key."""
    folded = key.split(":", 1)[0].replace("-", "").replace("_", "").lower()
    return URL_KEYS.get(folded)


def is_url_key(key: str) -> bool:
    return url_key(key) is not None


def find_block(code: str) -> MetadataBlock | None:
    """The block served code is built on: Violentmonkey's reading of the userscript block,
    else Tampermonkey's, else the user style block; None without one."""
    for kind, dialect in (
        (BlockKind.USERSCRIPT, Dialect.STRICT),
        (BlockKind.USERSCRIPT, Dialect.RELAXED),
        (BlockKind.USERSTYLE, Dialect.STRICT),
    ):
        if (block := read_block(code, kind, dialect)) is not None:
            return block
    return None


def _metadata(block: MetadataBlock | None) -> Metadata | None:
    if block is None:
        return None
    return Metadata(block.kind, block.pairs, block.start, block.end)


def parse_metadata(code: str) -> Metadata | None:
    """The entries of `code`'s block (`find_block`), however the managers might disagree."""
    return _metadata(find_block(code))


def _line_of(code: str, at: int) -> str:
    number = code.count("\n", 0, at) + 1
    start = code.rfind("\n", 0, at) + 1
    end = code.find("\n", at)
    text = code[start : len(code) if end < 0 else end].strip()
    shown = text if len(text) <= 60 else text[:57] + "..."
    return f"line {number} ({shown!r})"


def _refusal(reason: str) -> ValidationError:
    return ValidationError.single(
        "code",
        f"{reason}: Violentmonkey and Tampermonkey would read this metadata block differently. "
        "Write it as `// ==UserScript==`, `// @key value` lines and `// ==/UserScript==`, "
        "each with one space after `//` and nothing before it.",
    )


def _check_placement(code: str, strict: MetadataBlock | None) -> None:
    relaxed_block = read_block(code, BlockKind.USERSCRIPT, Dialect.RELAXED)
    relaxed = None if relaxed_block is None else (relaxed_block.start, relaxed_block.closing)
    placed = None if strict is None else (strict.start, strict.closing)
    if relaxed == placed:
        return
    if relaxed is None:
        raise _refusal("Tampermonkey finds no block")
    if starts_as_html(code):
        raise _refusal("the code starts with `<`, which Violentmonkey takes for HTML")
    if placed is None:
        raise _refusal(f"only Tampermonkey finds a block, at {_line_of(code, relaxed[0])}")
    differ = relaxed[0] != placed[0]
    first = min(relaxed[0], placed[0]) if differ else min(relaxed[1], placed[1])
    edge = "opens" if differ else "closes"
    raise _refusal(f"the block {edge} at another line for each, {_line_of(code, first)}")


def _check_keys(code: str, block: MetadataBlock) -> None:
    if (at := disagreeing_line(block)) is not None:
        raise _refusal(f"only Tampermonkey reads {_line_of(code, at)} as an entry")
    for key in dict.fromkeys(key for key, _ in block.pairs):
        base = key.split(":", 1)[0]
        known = _KNOWN_BY_FOLD.get(base.lower())
        if known is not None and known != base and not is_url_key(key):
            raise ValidationError.single(
                "code",
                f"`@{key}`: Violentmonkey reads keys case-sensitively and would ignore it; "
                f"write `@{known}`.",
            )


def read_metadata(code: str) -> Metadata | None:
    """The entries of `code`'s block, for a new version; None without a block.

    Raises ValidationError (field `code`) when Violentmonkey and Tampermonkey would not read
    the same block and entries, or a known key is spelled in another case.
    """
    strict = read_block(code, BlockKind.USERSCRIPT, Dialect.STRICT)
    _check_placement(code, strict)
    if strict is None:
        return _metadata(read_block(code, BlockKind.USERSTYLE, Dialect.STRICT))
    _check_keys(code, strict)
    return _metadata(strict)
