"""The audit trail, in the relational store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.audit import AuditEntry, Outcome


@dataclass(frozen=True)
class AuditQuery:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    """Inclusive lower bound on `occurred_at`."""
    until: datetime | None = None
    """Exclusive upper bound on `occurred_at`."""
    after: Keyset | None = None
    limit: int = 20


class AuditLog(Protocol):
    """The append-only audit trail."""

    async def record(self, entry: AuditEntry) -> None:
        """Stage an entry; it commits (or not) together with the change it describes."""

    async def search(self, query: AuditQuery) -> list[AuditEntry]:
        """At most `query.limit` entries matching every given filter, newest first by
        (`occurred_at`, `id`), after `query.after`; one query on an index."""
