"""What script managers are served: the code with our update URLs, and the bare meta block.

Tampermonkey and Violentmonkey poll `@updateURL` and install from `@downloadURL`, so served code
points both at us. A pinned version's raw says `none` for both: Tampermonkey documents
`@downloadURL none` as "no update check", and Violentmonkey treats an invalid URL as "not
updatable" but would still poll a valid `@updateURL` (`getScriptUpdateUrl` in its
`src/common/index.js`), so `@updateURL` must be `none` too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from scripthub.domain.metadata_blocks import (
    KEY_CHAR,
    BlockKind,
    Dialect,
    Entry,
    MetadataBlock,
    read_block,
)
from scripthub.domain.userscript_metadata import URL_KEYS, find_block, url_key

PINNED_URL = "none"
"""The `@updateURL` and `@downloadURL` of a pinned version's raw."""

_ICON_KEYS = frozenset({"icon", "iconurl", "defaulticon", "icon64", "icon64url"})
_DATA_URI_KEYS = "|".join(sorted([*_ICON_KEYS, "resource"], key=len, reverse=True))
"""The keys whose lines may hold a `data:` URI (a pattern for `MetadataBlock.entries`)."""
_URL_KEYS = "(?:{})(?::{}*+)?".format(
    "|".join("[-_]*+".join(["", *key, ""]) for key in URL_KEYS), KEY_CHAR
)
"""Every key that `url_key` folds to an update or install key (a superset: each match is
folded again)."""
_STYLE_SAMPLE = 32
"""How many of the block's last lines a new line takes its style from."""

_Edit = tuple[int, int, str]
"""`code[start:end]` becomes the text."""


def _line_start(code: str, at: int) -> int:
    return code.rfind("\n", 0, at) + 1


def _line_end(code: str, at: int) -> int:
    newline = code.find("\n", at)
    return len(code) if newline < 0 else newline + 1


def _url_edit(code: str, entry: Entry, key: str, urls: dict[str, str]) -> _Edit:
    # The key is written as the managers read it, so that `@updateUrl` (which Violentmonkey's
    # case-sensitive keys ignore) updates too; the author's gap before the value is kept.
    gap = code[entry.key_end : entry.value_at] if entry.value_at > entry.key_end else " "
    value = urls["downloadURL" if key == "installURL" else key]
    return (entry.at + 1, entry.end, f"{key}{gap}{value}")


def _userscript_blocks(code: str, primary: MetadataBlock) -> Iterable[MetadataBlock]:
    yield primary
    if primary.kind is BlockKind.USERSCRIPT and primary.dialect is Dialect.STRICT:
        relaxed = read_block(code, BlockKind.USERSCRIPT, Dialect.RELAXED)
        if relaxed is not None:  # the same block, or (in older code) a decoy before it
            yield relaxed


def _new_line(code: str, block: MetadataBlock, key: str, value: str) -> str:
    # Styled after the block's last lines: the last entry's lead (`// @`, indentation) and the
    # value at the column most entries there use, so that an aligned header stays aligned.
    opening_end = _line_end(code, block.start)
    eol = "\r\n" if code[opening_end - 2 : opening_end] == "\r\n" else "\n"
    entries = block.last_entries(_STYLE_SAMPLE)
    if not entries:
        return f"{'// @' if block.kind is BlockKind.USERSCRIPT else '@'}{key} {value}{eol}"
    last = entries[0]
    start = _line_start(code, last.at)
    comment = code.rfind("//", start, last.at)
    lead_at = comment if comment >= 0 else last.at
    indent = code[start:lead_at]
    if indent.strip():  # code before the comment (older, relaxed headers): not copied
        indent = ""
    lead = indent + code[lead_at : last.at + 1]
    columns = Counter(  # in the block's order, so that a tie goes to the first column
        entry.value_at - _line_start(code, entry.at) for entry in reversed(entries) if entry.value
    )
    column = columns.most_common(1)[0][0] if columns else 0
    gap = max(column - len(lead) - len(key), 1)
    return f"{lead}{key}{' ' * gap}{value}{eol}"


def _edits(code: str, block: MetadataBlock, update_url: str, download_url: str) -> list[_Edit]:
    urls = {"updateURL": update_url, "downloadURL": download_url}
    missing = dict(urls)
    edits: list[_Edit] = []
    rewritten: set[int] = set()
    for each in _userscript_blocks(code, block):
        for entry in each.entries(_URL_KEYS):
            key = url_key(entry.key)
            if key is not None and entry.at not in rewritten:
                rewritten.add(entry.at)
                edits.append(_url_edit(code, entry, key, urls))
            if key is not None and each is block:
                missing.pop(key, None)
    added = "".join(_new_line(code, block, key, url) for key, url in missing.items())
    edits.append((block.closing, block.closing, added))
    return sorted(edits)


def _render(code: str, start: int, end: int, edits: list[_Edit]) -> str:
    parts: list[str] = []
    at = start
    for edit_start, edit_end, text in edits:
        if edit_start < start or edit_end > end:
            continue
        parts += (code[at:edit_start], text)
        at = edit_end
    parts.append(code[at:end])
    return "".join(parts)


def rewrite_update_urls(code: str, update_url: str, download_url: str) -> str:
    """`code` with every line that a manager may read as `@updateURL`, `@downloadURL` or
    `@installURL` (in any spelling) pointing at ours, and those missing added before the
    closing line. Everything else is left byte for byte; code without a block is unchanged.
    """
    return served_forms(code, update_url, download_url)[0]


def _is_data_uri(entry: Entry) -> bool:
    key = entry.key.lower()
    if key in _ICON_KEYS:
        return entry.value.lower().startswith("data:")
    if key == "resource":  # `@resource name url`
        parts = entry.value.split(maxsplit=1)
        return len(parts) == 2 and parts[1].lower().startswith("data:")
    return False


def meta_block(code: str, update_url: str, download_url: str) -> str | None:
    """The metadata block alone, for update checks (`.meta.js`, `/meta`); None without one.

    Update URLs are rewritten as in `rewrite_update_urls`; icons and resources given as `data:`
    URIs are left out, since a manager polling for updates never needs their bytes.
    """
    return served_forms(code, update_url, download_url)[1]


def served_forms(code: str, update_url: str, download_url: str) -> tuple[str, str | None]:
    """`rewrite_update_urls` and `meta_block` of `code`, its block read and its update URL
    lines found once for both."""
    block = find_block(code)
    if block is None:
        return code, None
    edits = _edits(code, block, update_url, download_url)
    data_uris = [
        (_line_start(code, entry.at), _line_end(code, entry.at), "")
        for entry in block.entries(_DATA_URI_KEYS)
        if _is_data_uri(entry) and _line_start(code, entry.at) != block.start
    ]
    rewritten = _render(code, 0, len(code), edits)
    return rewritten, _render(code, block.start, block.end, sorted(edits + data_uris))
