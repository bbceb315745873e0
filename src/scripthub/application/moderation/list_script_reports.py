"""The reports of one script, for its owner and for moderators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.moderation.views import ReportView, page_view
from scripthub.application.pagination import Page, decode_cursor, page_of
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.reports import ReportQuery
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import SCRIPTS_MODERATE


@dataclass(frozen=True)
class ListScriptReportsQuery:
    principal: Principal
    script_id: uuid.UUID
    cursor: str | None = None
    limit: int = 20
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class ListScriptReports:
    """A page of a live script's reports, newest first: for its owner (who never sees who
    reported) or a holder of `scripts.moderate` (who does); anyone else is a ForbiddenError
    (audited), and a script they may not see a NotFoundError."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer

    async def execute(self, wanted: ListScriptReportsQuery) -> Page[ReportView]:
        async with self.uow_factory() as uow:
            script = await load_visible_script(uow, str(wanted.script_id), wanted.principal)
            await self.authorizer.require_owner_or(
                wanted.principal,
                script.owner_id,
                SCRIPTS_MODERATE,
                wanted.context,
                resource_type="script",
                resource_id=script.id,
            )
            reports = await uow.reports.search(
                ReportQuery(
                    limit=wanted.limit + 1,
                    after=decode_cursor(wanted.cursor),
                    script_id=script.id,
                )
            )
        page = page_of(reports, wanted.limit, lambda r: Keyset(r.created_at, r.id))
        return page_view(page, wanted.principal)
