"""The reports one has filed."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.moderation.views import ReportView, page_view
from scripthub.application.pagination import Page, decode_cursor, page_of
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.reports import ReportQuery
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class ListOwnReportsQuery:
    principal: Principal
    cursor: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class ListOwnReports:
    """A page of the reports the caller filed, newest first, whatever became of their
    scripts."""

    uow_factory: UnitOfWorkFactory

    async def execute(self, wanted: ListOwnReportsQuery) -> Page[ReportView]:
        query = ReportQuery(
            limit=wanted.limit + 1,
            after=decode_cursor(wanted.cursor),
            reporter_id=wanted.principal.user_id,
        )
        async with self.uow_factory() as uow:
            reports = await uow.reports.search(query)
        page = page_of(reports, wanted.limit, lambda r: Keyset(r.created_at, r.id))
        return page_view(page, wanted.principal)
