"""What script managers are served: the code with our update URLs, and the bare meta block.

Tampermonkey and Violentmonkey poll `@updateURL` and install from `@downloadURL`, so served code
points both at us. A pinned version's raw says `none` for both: Tampermonkey documents
`@downloadURL none` as "no update check", and Violentmonkey treats an invalid URL as "not
updatable" but would still poll a valid `@updateURL` (`getScriptUpdateUrl` in its
`src/common/index.js`), so `@updateURL` must be `none` too.
"""

from __future__ import annotations

from collections import Counter

from scripthub.domain.userscript_metadata import BlockLine, MetadataBlock, find_block

PINNED_URL = "none"
"""The `@updateURL` and `@downloadURL` of a pinned version's raw."""

_ICON_KEYS = frozenset({"icon", "iconurl", "defaulticon", "icon64", "icon64url"})


def _url_key(key: str | None) -> str | None:
    lowered = (key or "").lower()
    return lowered if lowered in {"updateurl", "downloadurl"} else None


def _with_value(line: BlockLine, value: str) -> str:
    if line.value_at == len(line.text):  # `// @updateURL` with no value: add a space
        return f"{line.text} {value}{line.eol}"
    return f"{line.text[: line.value_at]}{value}{line.eol}"


def _new_line(block: MetadataBlock, key: str, value: str) -> str:
    # Styled after the block: the last entry's lead (`// @`, indentation) and the value at the
    # column most entries use, so an aligned header stays aligned.
    entries = [line for line in block.lines if line.key is not None]
    if not entries:
        lead = "// @" if block.kind == "userscript" else "@"
        return f"{lead}{key} {value}{block.lines[0].eol}"
    model = entries[-1]
    lead = model.text[: model.text.index("@") + 1]
    columns = Counter(line.value_at for line in entries if line.value)
    column = columns.most_common(1)[0][0] if columns else 0
    gap = max(column - len(lead) - len(key), 1)
    return f"{lead}{key}{' ' * gap}{value}{model.eol}"


def _rewritten_lines(block: MetadataBlock, update_url: str, download_url: str) -> list[str]:
    urls = {"updateurl": update_url, "downloadurl": download_url}
    missing = dict(urls)
    out: list[str] = []
    for line in block.lines[:-1]:
        url_key = _url_key(line.key)
        if url_key is None:
            out.append(line.text + line.eol)
            continue
        out.append(_with_value(line, urls[url_key]))
        missing.pop(url_key, None)
    keys = {"updateurl": "updateURL", "downloadurl": "downloadURL"}
    out.extend(_new_line(block, keys[key], value) for key, value in missing.items())
    closing = block.lines[-1]
    out.append(closing.text + closing.eol)
    return out


def rewrite_update_urls(code: str, update_url: str, download_url: str) -> str:
    """`code` with every `@updateURL` and `@downloadURL` set (or added before the closing line).

    Everything outside those lines is left byte for byte; code without a block is unchanged.
    """
    block = find_block(code)
    if block is None:
        return code
    body = "".join(_rewritten_lines(block, update_url, download_url))
    return code[: block.start] + body + code[block.end :]


def _is_data_uri_line(line: BlockLine) -> bool:
    key = (line.key or "").lower()
    if key in _ICON_KEYS:
        return line.value.lower().startswith("data:")
    if key == "resource":  # `@resource name url`
        parts = line.value.split(maxsplit=1)
        return len(parts) == 2 and parts[1].lower().startswith("data:")
    return False


def meta_block(code: str, update_url: str, download_url: str) -> str | None:
    """The metadata block alone, for update checks (`.meta.js`, `/meta`); None without one.

    Update URLs are rewritten as in `rewrite_update_urls`; icons and resources given as `data:`
    URIs are left out, since a manager polling for updates never needs their bytes.
    """
    block = find_block(code)
    if block is None:
        return None
    kept = tuple(line for line in block.lines if not _is_data_uri_line(line))
    trimmed = MetadataBlock(block.kind, kept, block.start, block.end)
    return "".join(_rewritten_lines(trimmed, update_url, download_url))
