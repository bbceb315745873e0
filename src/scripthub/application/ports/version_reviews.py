"""Versions held for review and the moderators' decisions on them, in the relational store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.scripts import Script, ScriptVersion
from scripthub.domain.sites import SiteTargets
from scripthub.domain.version_review import VersionReview, VersionStatus


@dataclass(frozen=True)
class HeldVersion:
    """A version waiting for review, with its script (and its owner's username)."""

    script: Script
    version: ScriptVersion


class VersionReviewRepository(Protocol):
    """What review adds to a script's versions (`ScriptRepository` holds them). Writes
    follow that port's rules: each names the state it expects in its statement and checks
    it after waiting for any concurrent write to the same script; nothing is committed here.

    A held version is a row of the script's versions (its version string is taken) that
    never becomes the script's latest until it is approved: every read of the latest
    version, of the code routes and of the latest-code cache sees the script's row, which a
    held version leaves alone.
    """

    async def hold_version(self, version: ScriptVersion, code: str, *, replacing: str) -> bool:
        """Stage `version` (whose status is `held_for_review`) of a live script whose latest
        version is still `replacing`, changing nothing of the script itself (but taking its
        write lock, as a publication does, so that the two are ordered).

        False, adding nothing, if there is no live script with this id. Raises
        ConflictError if the script already has this version or if its latest version is no
        longer `replacing`.
        """

    async def decide(
        self,
        script_id: uuid.UUID,
        version: str,
        status: VersionStatus,
        review: VersionReview,
    ) -> ScriptVersion | None:
        """Record a decision on a version that is still held: its new `status` and the
        `review`; the version as it now is, or None (changing nothing) if it is not held
        (any more: two decisions at once, one wins)."""

    async def make_latest(
        self,
        version: ScriptVersion,
        *,
        antifeatures: list[str],
        sites: SiteTargets,
        replacing: str,
        now: datetime,
    ) -> bool:
        """Make an existing version the latest of its live script whose latest is still
        `replacing`, as `ScriptRepository.add_version` does for a new one (the latest
        version's summary, `antifeatures`, `sites`), with `updated_at` `now`. False if there
        is no live script with this id; raises ConflictError if its latest version is no
        longer `replacing`."""

    async def held_of(self, script_id: uuid.UUID) -> list[ScriptVersion]:
        """The script's versions held for review, oldest first; read after a write to the
        script, what committed before it."""

    async def held(self, *, after: Keyset | None = None, limit: int = 20) -> list[HeldVersion]:
        """At most `limit` versions held for review, of live scripts, oldest first by
        (`created_at`, `id`), strictly after `after`; a fixed number of queries."""
