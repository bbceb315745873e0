"""`ReportRepository` over `script_reports`, in the unit of work's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select, tuple_, update

from scripthub.adapters.sqlalchemy.keyset import newest_first
from scripthub.adapters.sqlalchemy.reports_table import OPEN, report_from_row, script_reports
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.scripts_table import scripts
from scripthub.adapters.sqlalchemy.sources import upsert_for
from scripthub.adapters.sqlalchemy.users_table import users
from scripthub.domain.reports import ModerationAction, Report, ReportStatus

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.application.ports.keyset import Keyset
    from scripthub.application.ports.reports import NewReport, ReportQuery
    from scripthub.domain.reports import Resolution

_WHOLE = (
    select(
        script_reports,
        scripts.c.name.label("script_name"),
        scripts.c.owner_id.label("script_owner_id"),
        users.c.username.label("reporter_username"),
    )
    .join(scripts, scripts.c.id == script_reports.c.script_id)
    .join(users, users.c.id == script_reports.c.reporter_id)
)
"""A report with its script's name and owner (deleted scripts too) and its reporter."""


class SqlAlchemyReportRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, report: NewReport) -> bool:
        values = without_nul(
            {
                "id": report.id,
                "script_id": report.script_id,
                "reporter_id": report.reporter_id,
                "reason": report.reason.value,
                "details": report.details,
                "version": report.version,
                "status": ReportStatus.OPEN.value,
                "locks_visibility": False,
                "created_at": report.created_at,
                "updated_at": report.created_at,
            }
        )
        inserted = await self._connection.execute(
            upsert_for(self._connection)(script_reports)
            .values(values)
            .on_conflict_do_nothing(
                index_elements=[script_reports.c.script_id, script_reports.c.reporter_id],
                index_where=OPEN,
            )
            .returning(script_reports.c.id)
        )
        return inserted.first() is not None

    async def count_filed_since(self, reporter_id: uuid.UUID, since: datetime) -> int:
        result = await self._connection.execute(
            select(func.count())
            .select_from(script_reports)
            .where(*_filed_since(reporter_id, since))
        )
        return int(result.scalar_one())

    async def oldest_filed_since(self, reporter_id: uuid.UUID, since: datetime) -> datetime | None:
        result = await self._connection.execute(
            select(func.min(script_reports.c.created_at)).where(*_filed_since(reporter_id, since))
        )
        oldest: datetime | None = result.scalar_one()
        return oldest

    async def get(self, report_id: uuid.UUID) -> Report | None:
        return await self._one(_WHOLE.where(script_reports.c.id == report_id))

    async def search(self, query: ReportQuery) -> list[Report]:
        statement = _WHOLE
        if query.script_id is not None:
            statement = statement.where(script_reports.c.script_id == query.script_id)
        if query.reporter_id is not None:
            statement = statement.where(script_reports.c.reporter_id == query.reporter_id)
        if query.status is not None:
            statement = statement.where(script_reports.c.status == query.status.value)
        if query.reason is not None:
            statement = statement.where(script_reports.c.reason == query.reason.value)
        at, id_ = script_reports.c.created_at, script_reports.c.id
        if query.oldest_first:
            if query.after is not None:
                statement = statement.where(tuple_(at, id_) > (query.after.at, query.after.id))
            statement = statement.order_by(at, id_).limit(query.limit)
        else:
            statement = newest_first(statement, at, id_, query.after, query.limit)
        return await self._all(statement)

    async def resolved_page(self, after: Keyset | None, limit: int) -> list[Report]:
        statement = _WHOLE.where(script_reports.c.status == ReportStatus.UPHELD.value)
        return await self._all(
            newest_first(statement, script_reports.c.resolved_at, script_reports.c.id, after, limit)
        )

    async def rebut(self, report_id: uuid.UUID, text: str, now: datetime) -> Report | None:
        changed = await self._connection.execute(
            update(script_reports)
            .where(script_reports.c.id == report_id, OPEN, script_reports.c.rebuttal.is_(None))
            .values(without_nul({"rebuttal": text, "rebutted_at": now, "updated_at": now}))
            .returning(script_reports.c.id)
        )
        return None if changed.first() is None else await self.get(report_id)

    async def resolve(
        self, report_id: uuid.UUID, resolution: Resolution, *, locks_visibility: bool
    ) -> Report | None:
        values: dict[str, Any] = {
            "status": resolution.decision.status.value,
            "action": None if resolution.action is None else resolution.action.value,
            "mode": None if resolution.mode is None else resolution.mode.value,
            "redirect_to": resolution.redirect_to,
            "note": resolution.note,
            "moderator_id": resolution.moderator_id,
            "resolved_at": resolution.at,
            "locks_visibility": locks_visibility,
            "updated_at": resolution.at,
        }
        changed = await self._connection.execute(
            update(script_reports)
            .where(script_reports.c.id == report_id, OPEN)
            .values(without_nul(values))
            .returning(script_reports.c.id)
        )
        return None if changed.first() is None else await self.get(report_id)

    async def visibility_locked(self, script_id: uuid.UUID) -> bool:
        result = await self._connection.execute(
            select(script_reports.c.id).where(*_locking(script_id)).limit(1)
        )
        return result.first() is not None

    async def release_visibility_lock(self, script_id: uuid.UUID, now: datetime) -> None:
        await self._connection.execute(
            update(script_reports)
            .where(*_locking(script_id))
            .values(locks_visibility=False, updated_at=now)
        )

    async def _one(self, statement: Select[Any]) -> Report | None:
        row = (await self._connection.execute(statement)).mappings().one_or_none()
        return None if row is None else report_from_row(row)

    async def _all(self, statement: Select[Any]) -> list[Report]:
        result = await self._connection.execute(statement)
        return [report_from_row(row) for row in result.mappings()]


def _filed_since(reporter_id: uuid.UUID, since: datetime) -> tuple[Any, ...]:
    return (script_reports.c.reporter_id == reporter_id, script_reports.c.created_at >= since)


def _locking(script_id: uuid.UUID) -> tuple[Any, ...]:
    return (
        script_reports.c.script_id == script_id,
        script_reports.c.action == ModerationAction.UNLIST.value,
        script_reports.c.locks_visibility.is_(True),
    )
