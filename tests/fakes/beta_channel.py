"""Beta versions in an `InMemoryDatabase`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import VersionCode
from tests.fakes.database import check_version_is_unique

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.domain.scripts import Script, ScriptVersion
    from tests.fakes.database import InMemoryDatabase, Writing
    from tests.fakes.scripts import InMemoryScriptRepository


class InMemoryBetaChannelRepository:
    """`BetaChannelRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(
        self, database: InMemoryDatabase, writing: Writing, scripts: InMemoryScriptRepository
    ) -> None:
        self._database = database
        self._writing = writing
        self._scripts = scripts

    async def add_beta(
        self, version: ScriptVersion, code: str, *, stable: str | None, replacing: str | None
    ) -> bool:
        script = await self._locked(version.script_id, stable, replacing)
        if script is None:
            return False
        stored = VersionCode(version, code)
        check_version_is_unique(self._database.script_versions, stored)
        self._database.script_versions[version.id] = stored
        self._database.scripts[script.id] = dataclasses.replace(script, latest_beta=version.summary)
        return True

    async def make_latest_beta(
        self, version: ScriptVersion, *, stable: str | None, replacing: str | None, now: datetime
    ) -> bool:
        del now
        script = await self._locked(version.script_id, stable, replacing)
        if script is None:
            return False
        self._database.scripts[script.id] = dataclasses.replace(script, latest_beta=version.summary)
        return True

    async def latest_beta_code(self, script_id: uuid.UUID) -> VersionCode | None:
        script = await self._scripts.get(script_id)
        if script is None or script.latest_beta is None:
            return None
        return await self._scripts.version_code(script_id, script.latest_beta.version)

    async def _locked(
        self, script_id: uuid.UUID, stable: str | None, replacing: str | None
    ) -> Script | None:
        await self._writing()
        script = self._database.scripts.get(script_id)
        if script is None or script.deleted:
            return None
        latest = None if script.latest_version is None else script.latest_version.version
        beta = None if script.latest_beta is None else script.latest_beta.version
        if (latest, beta) != (stable, replacing):
            raise ConflictError("another version of this script was published meanwhile")
        return script
