"""Scripts, their versions and ratings in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from typing import TYPE_CHECKING, Any

from scripthub.application.ports.scripts import UNCHANGED, SiteCount
from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import RatingTotals, Script, ScriptName, VersionCode, Visibility
from scripthub.domain.sites import NO_SITES
from scripthub.domain.takedowns import TakedownMode
from scripthub.domain.version_review import VersionStatus
from tests.fakes.database import check_script_is_unique, check_version_is_unique, newest_first
from tests.fakes.script_listing import listed_page

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from scripthub.application.ports.keyset import Keyset
    from scripthub.application.ports.scripts import ScriptChanges, ScriptPage, ScriptQuery
    from scripthub.domain.scripts import Rating, ScriptVersion
    from scripthub.domain.sites import SiteTargets
    from scripthub.domain.takedowns import Takedown
    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryScriptRepository:
    """`ScriptRepository` over the private copy of an `InMemoryUnitOfWork`: a write checks
    its condition once the unit of work holds the writer lock (the latest state)."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def add(self, script: Script) -> None:
        await self._writing()
        if script.id in self._database.scripts:
            raise ConflictError(f"script {script.id} already exists")
        new = dataclasses.replace(
            copy.deepcopy(script),
            antifeatures=[],
            install_count=0,
            rating_sum=0,
            rating_count=0,
            latest_version=None,
            deleted_at=None,
            owner_username=None,
        )
        self._store(new)

    async def get(self, script_id: uuid.UUID) -> Script | None:
        script = self._database.scripts.get(script_id)
        return None if script is None or script.deleted else self._shown(script)

    async def get_by_slug(self, slug: str) -> Script | None:
        for script in self._database.scripts.values():
            if script.slug == slug and not script.deleted:
                return self._shown(script)
        return None

    async def slug_in_use(self, slug: str, *, excluding: uuid.UUID | None = None) -> bool:
        found = await self.get_by_slug(slug)
        return found is not None and found.id != excluding

    async def edit(
        self, script_id: uuid.UUID, changes: ScriptChanges, now: datetime
    ) -> Script | None:
        values: dict[str, Any] = {
            field.name: getattr(changes, field.name)
            for field in dataclasses.fields(changes)
            if getattr(changes, field.name) is not UNCHANGED
        }
        return await self._change_live(
            script_id, lambda script: dataclasses.replace(script, **values, updated_at=now)
        )

    async def set_featured(self, script_id: uuid.UUID, *, featured: bool) -> Script | None:
        return await self._change_live(
            script_id, lambda script: dataclasses.replace(script, featured=featured)
        )

    async def delete(
        self, script_id: uuid.UUID, now: datetime, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        await self._writing()
        live = self._live(script_id)
        if live is None or owner_id not in (None, live.owner_id):
            return False
        deleted = await self._change_live(
            script_id, lambda script: dataclasses.replace(script, deleted_at=now, updated_at=now)
        )
        return deleted is not None

    async def take_down(self, script_id: uuid.UUID, takedown: Takedown, now: datetime) -> bool:
        taken = await self._change_live(
            script_id,
            lambda script: dataclasses.replace(
                script, deleted_at=now, updated_at=now, takedown=takedown
            ),
        )
        return taken is not None

    async def get_taken_down(self, script_id: uuid.UUID) -> Script | None:
        script = self._database.scripts.get(script_id)
        return None if script is None or script.takedown is None else self._shown(script)

    async def version_names(self, script_id: uuid.UUID) -> list[str]:
        return [
            stored.version.version
            for stored in self._database.script_versions.values()
            if stored.version.script_id == script_id
        ]

    async def names_owned_by(self, owner_id: uuid.UUID) -> list[ScriptName]:
        return [
            ScriptName(script.id, script.slug)
            for script in self._database.scripts.values()
            if script.owner_id == owner_id and not script.deleted
        ]

    async def delete_owned_by(self, owner_id: uuid.UUID, now: datetime) -> list[ScriptName]:
        await self._writing()
        names = await self.names_owned_by(owner_id)
        for name in names:
            script = self._database.scripts[name.id]
            self._store(dataclasses.replace(script, deleted_at=now, updated_at=now))
        return names

    async def add_version(
        self,
        version: ScriptVersion,
        code: str,
        *,
        antifeatures: list[str],
        sites: SiteTargets,
        replacing: str | None,
    ) -> bool:
        await self._writing()
        script = self._live(version.script_id)
        if script is None:
            return False
        latest = script.latest_version
        if (None if latest is None else latest.version) != replacing:
            raise ConflictError("another version of this script was published meanwhile")
        stored = VersionCode(version, code)
        check_version_is_unique(self._database.script_versions, stored)
        self._database.script_versions[version.id] = stored
        self._database.script_sites[version.script_id] = sites
        self._store(
            dataclasses.replace(
                script,
                latest_version=version.summary,
                antifeatures=list(antifeatures),
                updated_at=version.created_at,
            )
        )
        return True

    async def list_versions(
        self,
        script_id: uuid.UUID,
        *,
        after: Keyset | None = None,
        limit: int = 20,
        published_only: bool = True,
    ) -> list[ScriptVersion]:
        versions = (
            stored.version
            for stored in self._database.script_versions.values()
            if stored.version.script_id == script_id
            and (not published_only or stored.version.status is VersionStatus.PUBLISHED)
        )
        return newest_first(
            versions, lambda version: (version.created_at, version.id), after, limit
        )

    async def get_version(self, script_id: uuid.UUID, version: str) -> ScriptVersion | None:
        found = await self.version_code(script_id, version)
        return None if found is None else found.version

    async def version_code(self, script_id: uuid.UUID, version: str) -> VersionCode | None:
        for stored in self._database.script_versions.values():
            if (stored.version.script_id, stored.version.version) == (script_id, version):
                return stored
        return None

    async def latest_code(self, script_id: uuid.UUID) -> VersionCode | None:
        script = self._database.scripts.get(script_id)
        if script is not None and script.deleted and not _blanked(script):
            script = None
        if script is None or script.latest_version is None:
            return None
        return await self.version_code(script_id, script.latest_version.version)

    async def rate(self, rating: Rating) -> RatingTotals | None:
        await self._writing()
        if self._live(rating.script_id) is None:
            return None
        key = (rating.script_id, rating.user_id)
        earlier = self._database.script_ratings.get(key)
        if earlier is not None:
            rating = dataclasses.replace(rating, created_at=earlier.created_at)
        self._database.script_ratings[key] = rating
        return self._recount(rating.script_id)

    async def unrate(self, script_id: uuid.UUID, user_id: uuid.UUID) -> RatingTotals | None:
        await self._writing()
        if self._live(script_id) is None:
            return None
        self._database.script_ratings.pop((script_id, user_id), None)
        return self._recount(script_id)

    async def score_of(self, script_id: uuid.UUID, user_id: uuid.UUID) -> int | None:
        rating = self._database.script_ratings.get((script_id, user_id))
        return None if rating is None else rating.score

    async def add_install_counts(self, counts: Mapping[uuid.UUID, int]) -> None:
        if not counts:
            return
        await self._writing()
        for script_id, added in counts.items():
            script = self._database.scripts.get(script_id)
            if script is not None:
                self._store(dataclasses.replace(script, install_count=script.install_count + added))

    async def top_sites(self, limit: int) -> list[SiteCount]:
        counts: Counter[str] = Counter()
        for script in self._database.scripts.values():
            owner = self._database.users.get(script.owner_id)
            if script.deleted or script.visibility is not Visibility.PUBLIC:
                continue
            if owner is not None and not owner.is_active:
                continue
            sites = self._database.script_sites.get(script.id, NO_SITES)
            counts.update(sites.hosts | sites.domains)
        ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        return [SiteCount(host, scripts) for host, scripts in ranked[:limit]]

    async def search(self, query: ScriptQuery) -> ScriptPage:
        page = listed_page(self._database, query)
        return dataclasses.replace(page, scripts=[self._shown(s) for s in page.scripts])

    def _recount(self, script_id: uuid.UUID) -> RatingTotals:
        scores = [
            rating.score
            for (rated, _), rating in self._database.script_ratings.items()
            if rated == script_id
        ]
        script = self._database.scripts[script_id]
        self._store(dataclasses.replace(script, rating_sum=sum(scores), rating_count=len(scores)))
        return RatingTotals(sum(scores), len(scores))

    async def _change_live(
        self, script_id: uuid.UUID, change: Callable[[Script], Script]
    ) -> Script | None:
        await self._writing()
        script = self._live(script_id)
        if script is None:
            return None
        changed = change(script)
        self._store(changed)
        return await self.get(script_id) if not changed.deleted else changed

    def _live(self, script_id: uuid.UUID) -> Script | None:
        script = self._database.scripts.get(script_id)
        return None if script is None or script.deleted else script

    def _store(self, script: Script) -> None:
        check_script_is_unique(self._database.scripts, script)
        self._database.scripts[script.id] = copy.deepcopy(script)

    def _shown(self, script: Script) -> Script:
        owner = self._database.users.get(script.owner_id)
        return dataclasses.replace(
            copy.deepcopy(script),
            owner_username=None if owner is None else owner.username,
            # Unit tests may seed scripts without their owner's account (SQL's keys would not).
            owner_active=owner is None or owner.is_active,
        )


def _blanked(script: Script) -> bool:
    return script.takedown is not None and script.takedown.mode is TakedownMode.BLANK
