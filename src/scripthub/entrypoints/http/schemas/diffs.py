"""Two versions compared, as JSON."""

from __future__ import annotations

import msgspec

from scripthub.application.scripts.diff_versions import VersionDiff


class KeyChangesOut(msgspec.Struct):
    added: list[str]
    removed: list[str]


class DiffStatsOut(msgspec.Struct):
    added: int
    removed: int


class VersionDiffOut(msgspec.Struct, rename={"old": "from", "new": "to"}):
    old: str
    new: str
    metadata: dict[str, KeyChangesOut]
    stats: DiffStatsOut
    diff: str


def version_diff_out(diff: VersionDiff) -> VersionDiffOut:
    return VersionDiffOut(
        old=diff.old,
        new=diff.new,
        metadata={
            key: KeyChangesOut(changes.added, changes.removed)
            for key, changes in diff.metadata.items()
        },
        stats=DiffStatsOut(diff.added, diff.removed),
        diff=diff.diff or "",
    )
