"""The audit trail in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from tests.fakes.database import newest_first

if TYPE_CHECKING:
    from scripthub.application.ports.audit import AuditQuery
    from scripthub.domain.audit import AuditEntry
    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryAuditLog:
    """`AuditLog` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._entries = database.audit_entries
        self._writing = writing

    async def record(self, entry: AuditEntry) -> None:
        await self._writing()
        self._entries[entry.id] = copy.deepcopy(entry)

    async def search(self, query: AuditQuery) -> list[AuditEntry]:
        found = (entry for entry in self._entries.values() if _matches(entry, query))
        return newest_first(
            found, lambda entry: (entry.occurred_at, entry.id), query.after, query.limit
        )


def _matches(entry: AuditEntry, query: AuditQuery) -> bool:
    wanted = (
        (query.actor_id, entry.actor_id),
        (query.action, entry.action),
        (query.resource_type, entry.resource_type),
        (query.resource_id, entry.resource_id),
        (query.outcome, entry.outcome),
    )
    if any(value is not None and value != held for value, held in wanted):
        return False
    if query.since is not None and entry.occurred_at < query.since:
        return False
    return query.until is None or entry.occurred_at < query.until
