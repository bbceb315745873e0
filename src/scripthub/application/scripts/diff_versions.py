"""Compare two versions of a script: the diff of their code and what their metadata changed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.read_version_code import plausible_version
from scripthub.application.scripts.served_code import NOTHING_HELD, Held
from scripthub.application.scripts.taken_down import require_not_taken_down
from scripthub.application.scripts.unpublished import visible_version
from scripthub.domain.code_diffs import DiffTooCostlyError, diff_lines, unified_diff
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script, VersionCode, Visibility
from scripthub.domain.userscript_metadata import Metadata, parse_metadata
from scripthub.domain.version_review import VersionStatus


@dataclass(frozen=True)
class DiffVersionsQuery:
    id_or_slug: str
    old: str
    new: str
    viewer: Principal | None
    held: Held = NOTHING_HELD


@dataclass(frozen=True)
class KeyChanges:
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class VersionDiff:
    """Two versions compared. Versions never change, so neither does their diff: `tag` names
    it for caches (the two codes' digests)."""

    tag: str
    shared: bool
    """Whether shared caches may keep it (False for a private script's)."""
    old: str
    new: str
    diff: str | None
    """The unified diff; None when the client's copy is current (`held`)."""
    metadata: dict[str, KeyChanges]
    """The metadata keys whose entries changed, with the entries added and removed."""
    added: int
    removed: int
    """Lines added and removed."""


class DiffVersions:
    """The unified diff from version `old` to version `new` of a script anyone who may read
    it may read (as a version's raw), 404 for a version it does not have. Computed at a
    bounded cost (`domain.code_diffs`), off the event loop: two versions too different to
    diff within it are a DiffTooCostlyError (413)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: DiffVersionsQuery) -> VersionDiff:
        if not (plausible_version(query.old) and plausible_version(query.new)):
            raise NotFoundError("Version not found.")
        async with self._uow_factory() as uow:
            try:
                script = await load_visible_script(uow, query.id_or_slug, query.viewer)
            except NotFoundError:
                await require_not_taken_down(uow, query.id_or_slug, query.viewer)
                raise
            old = await _version(uow, script, query.old, query.viewer)
            new = await _version(uow, script, query.new, query.viewer)
        tag = f"{old.version.sha256[:32]}.{new.version.sha256[:32]}"
        if query.held.is_current(tag, new.version.created_at):
            return VersionDiff(tag, _shared(script, old, new), query.old, query.new, None, {}, 0, 0)
        return await asyncio.to_thread(_compared, tag, script, old, new)


async def _version(
    uow: UnitOfWork, script: Script, version: str, viewer: Principal | None
) -> VersionCode:
    found = await uow.scripts.version_code(script.id, version)
    if found is None or visible_version(script, found.version, viewer) is None:
        raise NotFoundError(f"Version {version} not found.")
    return found


def _compared(tag: str, script: Script, old: VersionCode, new: VersionCode) -> VersionDiff:
    lines = diff_lines(old.code, new.code)
    if lines.exhausted:
        msg = "These two versions differ too much to compare within the limits of a diff."
        raise DiffTooCostlyError(msg)
    name = script.slug
    text = unified_diff(lines, f"a/{name} {old.version.version}", f"b/{name} {new.version.version}")
    changes = _metadata_changes(parse_metadata(old.code), parse_metadata(new.code))
    return VersionDiff(
        tag,
        _shared(script, old, new),
        old.version.version,
        new.version.version,
        text,
        changes,
        lines.added,
        lines.removed,
    )


def _shared(script: Script, *versions: VersionCode) -> bool:
    """Whether shared caches may keep the diff: not of a private script, nor of a version
    only its owner and moderators see."""
    return script.seen_as is not Visibility.PRIVATE and all(
        found.version.status is VersionStatus.PUBLISHED for found in versions
    )


def _metadata_changes(old: Metadata | None, new: Metadata | None) -> dict[str, KeyChanges]:
    before = _by_key(old)
    after = _by_key(new)
    changes = {}
    for key in dict.fromkeys([*before, *after]):
        had, has = before.get(key, {}), after.get(key, {})
        added = [value for value in has if value not in had]
        removed = [value for value in had if value not in has]
        if added or removed:
            changes[key] = KeyChanges(added, removed)
    return changes


def _by_key(metadata: Metadata | None) -> dict[str, dict[str, None]]:
    """Each key's values, each once, in the order they come (dicts: linear in the entries,
    which a 2 MiB block holds by the ten thousand)."""
    entries: dict[str, dict[str, None]] = {}
    for key, value in () if metadata is None else metadata.entries:
        entries.setdefault(key, {})[value] = None
    return entries
