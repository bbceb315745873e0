"""The kill switch a `blank` takedown publishes: a version greater than every version of the
script for both managers, whose code does nothing, so that every installed copy updates to it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scripthub.domain.errors import ConflictError
from scripthub.domain.script_versions import MAX_VERSION_LENGTH
from scripthub.domain.userscript_metadata import BlockKind, Metadata
from scripthub.domain.version_ordering import update_refusal

KILL_SWITCH_CHANGELOG = "Removed by ScriptHub's moderators: this version does nothing."
_LEADING_NUMBER = re.compile(r"[0-9]+")


def kill_switch_version(versions: Iterable[str]) -> str:
    """A version both Tampermonkey and Violentmonkey take as an update of each of `versions`:
    one more than the greatest leading number among them (`1.4.2` and `2.0b` give `3`), else
    the greatest number the version rule allows. ConflictError if no such version exists
    (every candidate is refused by one of the managers after one of `versions`)."""
    known = list(versions)
    leading = (_LEADING_NUMBER.match(version) for version in known)
    greatest = max((int(match[0]) for match in leading if match), default=0)
    for candidate in (str(greatest + 1), "9" * MAX_VERSION_LENGTH):
        if len(candidate) <= MAX_VERSION_LENGTH and not any(
            update_refusal(version, candidate) for version in known
        ):
            return candidate
    msg = "No version can follow this script's versions: take it down with another mode."
    raise ConflictError(msg)


def kill_switch_code(latest: Metadata | None, name: str, version: str) -> str:
    """Code that does nothing, whose metadata block (if the latest version has one) keeps the
    name (else `name`, the script's) and namespace managers know the script by, at `version`."""
    if latest is None:
        return ""
    entries = [
        ("name", latest.name or name),
        *(("namespace", namespace) for namespace in latest.get_list("namespace")[:1]),
        ("version", version),
        ("description", KILL_SWITCH_CHANGELOG),
    ]
    if latest.kind is BlockKind.USERSTYLE:
        lines = [f"@{key} {value}" for key, value in entries]
        return "/* ==UserStyle==\n" + "\n".join(lines) + "\n==/UserStyle== */\n"
    lines = [f"// @{key:<12}{value}" for key, value in [*entries, ("grant", "none")]]
    return "// ==UserScript==\n" + "\n".join(lines) + "\n// ==/UserScript==\n"
