"""The audit trail in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scripthub.adapters.memory.database import InMemoryDatabase
    from scripthub.domain.audit import AuditEntry


class InMemoryAuditLog:
    """`AuditLog` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._entries = database.audit_entries

    async def record(self, entry: AuditEntry) -> None:
        self._entries[entry.id] = copy.deepcopy(entry)
