"""The ports of publishing's gates on SQL: the `@require` allow-list's row, and the
publication history read from `script_versions`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from scripthub.adapters.sqlalchemy.require_allowlist_table import ALLOWLIST_ROW, require_allowlist
from scripthub.adapters.sqlalchemy.scripts_table import script_versions, scripts
from scripthub.domain.require_policy import RequireAllowlist

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

_ONE_ROW = require_allowlist.c.id == ALLOWLIST_ROW
_CURRENT = select(require_allowlist.c.patterns).where(_ONE_ROW)
# A write that changes nothing: the row's lock (PostgreSQL) or the database's (SQLite) is held
# from here, and what it returns is the list as the last replacement committed it.
_HOLD = (
    update(require_allowlist)
    .where(_ONE_ROW)
    .values(patterns=require_allowlist.c.patterns)
    .returning(require_allowlist.c.patterns)
)
_NEWEST_SINCE = (
    select(script_versions.c.created_at)
    .join(scripts, scripts.c.id == script_versions.c.script_id)
    .where(
        scripts.c.owner_id == bindparam("owner_id"),
        script_versions.c.created_at > bindparam("since"),
    )
    .order_by(script_versions.c.created_at.desc())
    .limit(bindparam("limit"))
)


def _patterns(stored: Any) -> tuple[str, ...]:
    return tuple(str(pattern) for pattern in stored or ())


class SqlAlchemyRequireAllowlistRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def current(self) -> RequireAllowlist:
        stored = (await self._connection.execute(_CURRENT)).scalar_one_or_none()
        return RequireAllowlist(_patterns(stored))

    async def hold(self) -> tuple[str, ...]:
        stored = (await self._connection.execute(_HOLD)).scalar_one_or_none()
        return _patterns(stored)

    async def replace(self, patterns: tuple[str, ...], now: datetime) -> None:
        await self._connection.execute(
            update(require_allowlist)
            .where(_ONE_ROW)
            .values(patterns=list(patterns), updated_at=now)
        )


class SqlAlchemyPublicationHistory:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def newest_since(
        self, owner_id: uuid.UUID, since: datetime, limit: int
    ) -> list[datetime]:
        result = await self._connection.execute(
            _NEWEST_SINCE, {"owner_id": owner_id, "since": since, "limit": limit}
        )
        return list(result.scalars())
