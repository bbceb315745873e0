"""Held versions and review decisions in an `InMemoryDatabase`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from scripthub.application.ports.version_reviews import HeldVersion
from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import VersionCode
from scripthub.domain.version_review import VersionStatus
from tests.fakes.database import check_version_is_unique

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.application.ports.keyset import Keyset
    from scripthub.domain.scripts import Script, ScriptVersion
    from scripthub.domain.sites import SiteTargets
    from scripthub.domain.version_review import VersionReview
    from tests.fakes.database import InMemoryDatabase, Writing
    from tests.fakes.scripts import InMemoryScriptRepository


class InMemoryVersionReviewRepository:
    """`VersionReviewRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(
        self, database: InMemoryDatabase, writing: Writing, scripts: InMemoryScriptRepository
    ) -> None:
        self._database = database
        self._writing = writing
        self._scripts = scripts

    async def hold_version(self, version: ScriptVersion, code: str, *, replacing: str) -> bool:
        if await self._locked(version.script_id, replacing) is None:
            return False
        stored = VersionCode(version, code)
        check_version_is_unique(self._database.script_versions, stored)
        self._database.script_versions[version.id] = stored
        return True

    async def decide(
        self,
        script_id: uuid.UUID,
        version: str,
        status: VersionStatus,
        review: VersionReview,
    ) -> ScriptVersion | None:
        await self._writing()
        for key, stored in self._database.script_versions.items():
            found = stored.version
            if (found.script_id, found.version) != (script_id, version):
                continue
            if found.status is not VersionStatus.HELD_FOR_REVIEW:
                return None
            decided = dataclasses.replace(found, status=status, review=review)
            self._database.script_versions[key] = VersionCode(decided, stored.code)
            return decided
        return None

    async def make_latest(
        self,
        version: ScriptVersion,
        *,
        antifeatures: list[str],
        sites: SiteTargets,
        replacing: str,
        now: datetime,
    ) -> bool:
        script = await self._locked(version.script_id, replacing)
        if script is None:
            return False
        self._database.script_sites[version.script_id] = sites
        self._database.scripts[script.id] = dataclasses.replace(
            script,
            latest_version=version.summary,
            antifeatures=list(antifeatures),
            updated_at=now,
        )
        return True

    async def held_of(self, script_id: uuid.UUID) -> list[ScriptVersion]:
        return sorted(
            (version for version in self._held() if version.script_id == script_id),
            key=lambda version: (version.created_at, version.id),
        )

    async def held(self, *, after: Keyset | None = None, limit: int = 20) -> list[HeldVersion]:
        found = []
        for version in sorted(self._held(), key=lambda v: (v.created_at, v.id)):
            if after is not None and (version.created_at, version.id) <= (after.at, after.id):
                continue
            script = await self._scripts.get(version.script_id)
            if script is not None:
                found.append(HeldVersion(script, version))
        return found[:limit]

    def _held(self) -> list[ScriptVersion]:
        return [
            stored.version
            for stored in self._database.script_versions.values()
            if stored.version.status is VersionStatus.HELD_FOR_REVIEW
        ]

    async def _locked(self, script_id: uuid.UUID, replacing: str) -> Script | None:
        """The live script, once this unit of work writes; ConflictError if its latest
        version is no longer `replacing`."""
        await self._writing()
        script = self._database.scripts.get(script_id)
        if script is None or script.deleted:
            return None
        latest = script.latest_version
        if latest is None or latest.version != replacing:
            raise ConflictError("another version of this script was published meanwhile")
        return script
