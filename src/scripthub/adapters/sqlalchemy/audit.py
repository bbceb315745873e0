"""`AuditLog` over `audit_logs`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert

from scripthub.adapters.sqlalchemy.mapping import audit_entry_values
from scripthub.adapters.sqlalchemy.tables import audit_logs

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from scripthub.domain.audit import AuditEntry


class SqlAlchemyAuditLog:
    """Audit entries, written in the same transaction as the change they describe."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, entry: AuditEntry) -> None:
        await self._session.execute(insert(audit_logs).values(audit_entry_values(entry)))
