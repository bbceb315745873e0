"""Read the audit trail: who did what, to what, when, from where."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.accounts import Actor
from scripthub.application.authorization import Authorizer
from scripthub.application.pagination import (
    Page,
    decode_cursor,
    in_utc,
    page_of,
    reject_control_characters,
)
from scripthub.application.ports.audit import AuditQuery
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.roles import AUDIT_READ


@dataclass(frozen=True)
class ListAuditEntriesQuery:
    actor: Actor
    """Who asks; `actor_id` below is a filter on whose actions to list."""
    actor_id: uuid.UUID | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: str | None = None
    limit: int = 20
    context: RequestContext = RequestContext()


class ListAuditEntries:
    """A page of the audit trail, newest first, filtered."""

    def __init__(self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer

    async def execute(self, wanted: ListAuditEntriesQuery) -> Page[AuditEntry]:
        await self._authorizer.require(wanted.actor, AUDIT_READ, wanted.context)
        reject_control_characters(
            action=wanted.action,
            resource_type=wanted.resource_type,
            resource_id=wanted.resource_id,
        )
        query = AuditQuery(
            actor_id=wanted.actor_id,
            action=wanted.action,
            resource_type=wanted.resource_type,
            resource_id=wanted.resource_id,
            since=None if wanted.since is None else in_utc(wanted.since, "since"),
            until=None if wanted.until is None else in_utc(wanted.until, "until"),
            after=decode_cursor(wanted.cursor),
            limit=wanted.limit + 1,
        )
        async with self._uow_factory() as uow:
            entries = await uow.audit.search(query)
        return page_of(entries, wanted.limit, lambda e: Keyset(e.occurred_at, e.id))
