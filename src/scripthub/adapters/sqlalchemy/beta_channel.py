"""`BetaChannelRepository` over `script_versions` and the `beta_*` columns of `scripts`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.scripts_table import (
    LIVE,
    review_values,
    script_versions,
    scripts,
    version_from_row,
    version_values,
)
from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import VersionCode

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.scripts import SqlAlchemyScriptRepository
    from scripthub.domain.scripts import ScriptVersion


class SqlAlchemyBetaChannelRepository:
    """The latest beta is the `beta_version`, `beta_version_at` and `beta_sha256` of the
    script's row; beta versions are rows of `script_versions` with `channel` `beta`."""

    def __init__(self, connection: AsyncConnection, scripts: SqlAlchemyScriptRepository) -> None:
        self._connection = connection
        self._scripts = scripts

    async def add_beta(
        self, version: ScriptVersion, code: str, *, stable: str | None, replacing: str | None
    ) -> bool:
        if not await self._write_script(version, stable, replacing):
            return False
        try:
            await self._connection.execute(
                insert(script_versions).values(
                    {**version_values(version, code), **review_values(version)}
                )
            )
        except IntegrityError as error:
            msg = f"version {version.version} of this script already exists"
            raise ConflictError(msg) from error
        return True

    async def make_latest_beta(
        self, version: ScriptVersion, *, stable: str | None, replacing: str | None, now: datetime
    ) -> bool:
        del now  # the script's `updated_at` follows its stable versions
        return await self._write_script(version, stable, replacing)

    async def latest_beta_code(self, script_id: uuid.UUID) -> VersionCode | None:
        result = await self._connection.execute(
            select(script_versions)
            .join(
                scripts,
                (scripts.c.id == script_versions.c.script_id)
                & (scripts.c.beta_version == script_versions.c.version),
            )
            .where(scripts.c.id == script_id, LIVE)
        )
        row = result.mappings().first()
        return None if row is None else VersionCode(version_from_row(row), row["code"])

    async def _write_script(
        self, version: ScriptVersion, stable: str | None, replacing: str | None
    ) -> bool:
        """The version as the live script's latest beta, if its latest versions are still
        `stable` and `replacing`: a write first, whose lock orders concurrent publications."""
        result = await self._connection.execute(
            update(scripts)
            .where(
                scripts.c.id == version.script_id,
                LIVE,
                scripts.c.latest_version.is_not_distinct_from(stable),
                scripts.c.beta_version.is_not_distinct_from(replacing),
            )
            .values(
                without_nul(
                    {
                        "beta_version": version.version,
                        "beta_version_at": version.created_at,
                        "beta_sha256": version.sha256,
                    }
                )
            )
            .returning(scripts.c.id)
        )
        if result.first() is not None:
            return True
        if await self._scripts.get(version.script_id) is None:
            return False
        msg = "another version of this script was published meanwhile"
        raise ConflictError(msg)
