"""/api/audit-logs: the audit trail, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from scripthub.application.accounts import Principal
from scripthub.application.audit.list_entries import ListAuditEntries, ListAuditEntriesQuery
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import AUDIT_READ
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.http.paths import PageSize
from scripthub.entrypoints.http.schemas.admin import AuditPage, audit_entry_out


class AuditController(Controller):
    path = "/api/audit-logs"
    tags = ("administration",)
    security = BEARER_SECURITY

    @get("/", guards=[requires(AUDIT_READ)], summary="Search the audit trail")
    async def list_audit_entries(
        self,
        principal: NamedDependency[Principal],
        list_audit_entries: NamedDependency[ListAuditEntries],
        context: NamedDependency[RequestContext],
        actor_id: FromQuery[uuid.UUID | None] = None,
        action: FromQuery[str | None] = None,
        resource_type: FromQuery[str | None] = None,
        resource_id: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> AuditPage:
        query = ListAuditEntriesQuery(
            actor=principal,
            actor_id=actor_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
            context=context,
        )
        page = await list_audit_entries.execute(query)
        return AuditPage([audit_entry_out(e) for e in page.items], page.next_cursor)
