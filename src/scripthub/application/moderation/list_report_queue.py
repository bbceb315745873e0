"""The moderators' queue of reports."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.moderation.views import ReportView, page_view
from scripthub.application.pagination import Page, decode_cursor, page_of
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.reports import ReportQuery
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.reports import ReportReason, ReportStatus
from scripthub.domain.roles import SCRIPTS_MODERATE


@dataclass(frozen=True)
class ListReportQueueQuery:
    principal: Principal
    status: ReportStatus | None = None
    reason: ReportReason | None = None
    oldest_first: bool = False
    cursor: str | None = None
    limit: int = 20
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class ListReportQueue:
    """A page of every script's reports, filtered by status and reason, newest or oldest
    first (a cursor of one order read in the other starts where that key falls in it);
    needs `scripts.moderate`."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer

    async def execute(self, wanted: ListReportQueueQuery) -> Page[ReportView]:
        await self.authorizer.require(wanted.principal, SCRIPTS_MODERATE, wanted.context)
        query = ReportQuery(
            limit=wanted.limit + 1,
            after=decode_cursor(wanted.cursor),
            oldest_first=wanted.oldest_first,
            status=wanted.status,
            reason=wanted.reason,
        )
        async with self.uow_factory() as uow:
            reports = await uow.reports.search(query)
        page = page_of(reports, wanted.limit, lambda r: Keyset(r.created_at, r.id))
        return page_view(page, wanted.principal)
