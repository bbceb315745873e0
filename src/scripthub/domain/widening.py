"""What a new version asks for that the previous one did not: the Version's `widened`."""

from __future__ import annotations

from scripthub.domain.userscript_metadata import Metadata, antifeature_type

# Reported key → the metadata keys it gathers. `@include` patterns grant pages just as `@match`
# does, so they are reported together under `match`.
_WIDENED_KEYS = {
    "grant": ("grant",),
    "connect": ("connect",),
    "match": ("match", "include"),
    "require": ("require",),
    "antifeature": ("antifeature",),
}

# `@grant none` asks for nothing (it turns the sandbox off for scripts without GM APIs).
_NOT_A_GRANT = "none"


def _entries(metadata: Metadata | None, reported: str) -> list[str]:
    if metadata is None:
        return []
    keys = _WIDENED_KEYS[reported]
    values = [value for key, value in metadata.entries if key in keys]
    if reported == "grant":
        return [value for value in values if value != _NOT_A_GRANT]
    if reported == "antifeature":
        # Localized declarations (`@antifeature:fr ads ...`) declare the same types.
        declared = [value for key, value in metadata.entries if key.startswith("antifeature:")]
        return [kind for value in values + declared if (kind := antifeature_type(value))]
    return values


def widened(
    previous: Metadata | None, current: Metadata | None, *, first_version: bool
) -> dict[str, list[str]] | None:
    """Per key, the entries `current` has that `previous` had not, in order, without repeats.

    None for a script's first version (there is nothing to widen from). A `previous` or
    `current` of None is a version without a metadata block, which asks for nothing: after one,
    every entry of `current` is new.
    """
    if first_version:
        return None
    result: dict[str, list[str]] = {}
    for reported in _WIDENED_KEYS:
        before = set(_entries(previous, reported))
        added = (value for value in _entries(current, reported) if value not in before)
        result[reported] = list(dict.fromkeys(added))
    return result
