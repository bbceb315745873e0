"""Beta versions (`domain.version_channels`) beside a script's stable ones, in the
relational store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from scripthub.domain.scripts import ScriptVersion, VersionCode


class BetaChannelRepository(Protocol):
    """What the beta channel adds to a script's versions (`ScriptRepository` holds them): the
    script's row keeps its latest beta version beside its latest stable one. Writes follow
    that port's rules: each names the state it expects in its statement (the latest stable
    version and the latest beta) and checks it after waiting for any concurrent write to the
    same script, so publications of either channel are ordered; nothing is committed here.
    """

    async def add_beta(
        self, version: ScriptVersion, code: str, *, stable: str | None, replacing: str | None
    ) -> bool:
        """Stage `version` (published, channel `beta`) as the live script's latest beta, if
        its latest stable version is still `stable` and its latest beta still `replacing`
        (None: none). The script's other fields (name, antifeatures, sites, `updated_at`)
        follow its stable versions only and stay as they are.

        False, adding nothing, if there is no live script with this id. Raises
        ConflictError if the script already has this version or if either latest moved.
        """

    async def make_latest_beta(
        self, version: ScriptVersion, *, stable: str | None, replacing: str | None, now: datetime
    ) -> bool:
        """Make `version`, a beta already stored (approved after review), the live script's
        latest beta, under the guard of `add_beta`: False if there is no live script,
        ConflictError if either latest moved."""

    async def latest_beta_code(self, script_id: uuid.UUID) -> VersionCode | None:
        """The live script's latest beta with its code, or None if it has none (whether
        or not the beta channel serves it: `Script.served_beta`)."""
