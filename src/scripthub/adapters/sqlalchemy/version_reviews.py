"""`VersionReviewRepository` over `script_versions` and `scripts`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.scripts_table import (
    LIVE,
    VERSION_COLUMNS,
    WITH_OWNER,
    review_values,
    script_from_row,
    script_versions,
    scripts,
    version_from_row,
    version_values,
)
from scripthub.application.ports.version_reviews import HeldVersion
from scripthub.domain.errors import ConflictError
from scripthub.domain.version_review import VersionStatus

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.scripts import SqlAlchemyScriptRepository
    from scripthub.application.ports.keyset import Keyset
    from scripthub.domain.scripts import ScriptVersion
    from scripthub.domain.sites import SiteTargets
    from scripthub.domain.version_review import VersionReview

_HELD = script_versions.c.status == VersionStatus.HELD_FOR_REVIEW.value


class SqlAlchemyVersionReviewRepository:
    """Held versions are rows of `script_versions` with `status` `held_for_review`; the
    script's row (its latest version) is written only when one is approved."""

    def __init__(self, connection: AsyncConnection, scripts: SqlAlchemyScriptRepository) -> None:
        self._connection = connection
        self._scripts = scripts

    async def hold_version(self, version: ScriptVersion, code: str, *, replacing: str) -> bool:
        # A write that changes nothing: it takes the row lock (the database lock on SQLite)
        # and checks the latest version after waiting for it, as a publication does.
        if not await self._write_script(
            version.script_id, {"latest_version": scripts.c.latest_version}, replacing
        ):
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

    async def decide(
        self,
        script_id: uuid.UUID,
        version: str,
        status: VersionStatus,
        review: VersionReview,
    ) -> ScriptVersion | None:
        result = await self._connection.execute(
            update(script_versions)
            .where(
                script_versions.c.script_id == script_id,
                script_versions.c.version == version,
                _HELD,
            )
            .values(
                without_nul(
                    {
                        "status": status.value,
                        "reviewed_by": review.reviewer_id,
                        "reviewed_at": review.at,
                        "review_note": review.note,
                        "updated_at": review.at,
                    }
                )
            )
            .returning(*VERSION_COLUMNS)
        )
        row = result.mappings().one_or_none()
        return None if row is None else version_from_row(row)

    async def make_latest(
        self,
        version: ScriptVersion,
        *,
        antifeatures: list[str],
        sites: SiteTargets,
        replacing: str,
        now: datetime,
    ) -> bool:
        values = {
            "latest_version": version.version,
            "latest_version_at": version.created_at,
            "latest_sha256": version.sha256,
            "antifeatures": list(antifeatures),
            "updated_at": now,
        }
        if not await self._write_script(version.script_id, values, replacing):
            return False
        await self._scripts.follow_publication(version.script_id, sites)
        return True

    async def held_of(self, script_id: uuid.UUID) -> list[ScriptVersion]:
        result = await self._connection.execute(
            select(*VERSION_COLUMNS)
            .where(script_versions.c.script_id == script_id, _HELD)
            .order_by(script_versions.c.created_at, script_versions.c.id)
        )
        return [version_from_row(row) for row in result.mappings()]

    async def held(self, *, after: Keyset | None = None, limit: int = 20) -> list[HeldVersion]:
        at, id_ = script_versions.c.created_at, script_versions.c.id
        statement = (
            select(*VERSION_COLUMNS)
            .join(scripts, scripts.c.id == script_versions.c.script_id)
            .where(_HELD, LIVE)
        )
        if after is not None:
            statement = statement.where(tuple_(at, id_) > (after.at, after.id))
        result = await self._connection.execute(statement.order_by(at, id_).limit(limit))
        versions = [version_from_row(row) for row in result.mappings()]
        if not versions:
            return []
        script_ids = {version.script_id for version in versions}
        rows = await self._connection.execute(WITH_OWNER.where(scripts.c.id.in_(script_ids), LIVE))
        found = {script.id: script for script in map(script_from_row, rows.mappings())}
        return [
            HeldVersion(found[version.script_id], version)
            for version in versions
            if version.script_id in found
        ]

    async def _write_script(
        self, script_id: uuid.UUID, values: dict[str, object], replacing: str
    ) -> bool:
        """A guarded write of a live script whose latest version is still `replacing`."""
        guard: ColumnElement[bool] = scripts.c.latest_version == replacing
        result = await self._connection.execute(
            update(scripts)
            .where(scripts.c.id == script_id, LIVE, guard)
            .values(without_nul(values))
            .returning(scripts.c.id)
        )
        if result.first() is not None:
            return True
        if await self._scripts.get(script_id) is None:
            return False
        msg = "another version of this script was published meanwhile"
        raise ConflictError(msg)
