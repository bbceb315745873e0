"""The public log of moderation actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.pagination import Page, decode_cursor, page_of
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.reports import ModerationAction, ReportReason
from scripthub.domain.takedowns import TakedownMode


@dataclass(frozen=True)
class LoggedAction:
    """One upheld report as anyone may read it: never who reported it, nor who decided."""

    id: uuid.UUID
    script_id: uuid.UUID
    script_name: str
    reason: ReportReason
    action: ModerationAction
    mode: TakedownMode | None
    note: str | None
    at: datetime


@dataclass(frozen=True)
class ReadModerationLogQuery:
    cursor: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class ReadModerationLog:
    """A page of upheld reports, newest decision first (dismissed ones are not listed: a
    report found groundless says nothing about its script)."""

    uow_factory: UnitOfWorkFactory

    async def execute(self, wanted: ReadModerationLogQuery) -> Page[LoggedAction]:
        async with self.uow_factory() as uow:
            reports = await uow.reports.resolved_page(
                decode_cursor(wanted.cursor), wanted.limit + 1
            )
        logged = []
        for report in reports:
            resolution = report.resolution
            assert resolution is not None  # noqa: S101 - upheld reports have one
            assert resolution.action is not None  # noqa: S101 - as has every upheld one
            logged.append(
                LoggedAction(
                    id=report.id,
                    script_id=report.script_id,
                    script_name=report.script_name,
                    reason=report.reason,
                    action=resolution.action,
                    mode=resolution.mode,
                    note=resolution.note,
                    at=resolution.at,
                )
            )
        return page_of(logged, wanted.limit, lambda entry: Keyset(entry.at, entry.id))
