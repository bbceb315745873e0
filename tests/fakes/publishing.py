"""The `@require` allow-list and the publication history in an `InMemoryDatabase`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.domain.require_policy import RequireAllowlist

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from tests.fakes.database import InMemoryDatabase, Writing

ALLOWLIST = 1
"""The key of the one row of `require_allowlist`, as in SQL."""


class InMemoryRequireAllowlistRepository:
    """`RequireAllowlistRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def current(self) -> RequireAllowlist:
        return RequireAllowlist(self._database.require_allowlist[ALLOWLIST])

    async def hold(self) -> tuple[str, ...]:
        await self._writing()
        return self._database.require_allowlist[ALLOWLIST]

    async def replace(self, patterns: tuple[str, ...], now: datetime) -> None:
        await self._writing()
        self._database.require_allowlist[ALLOWLIST] = tuple(patterns)


class InMemoryPublicationHistory:
    """`PublicationHistory` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def newest_since(
        self, owner_id: uuid.UUID, since: datetime, limit: int
    ) -> list[datetime]:
        scripts = self._database.scripts
        times = sorted(
            (
                stored.version.created_at
                for stored in self._database.script_versions.values()
                if (script := scripts.get(stored.version.script_id)) is not None
                and script.owner_id == owner_id
                and stored.version.created_at > since
            ),
            reverse=True,
        )
        return times[:limit]
