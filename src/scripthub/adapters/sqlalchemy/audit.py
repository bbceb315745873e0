"""`AuditLog` over `audit_logs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from scripthub.adapters.sqlalchemy.keyset import newest_first
from scripthub.adapters.sqlalchemy.mapping import audit_entry_from_row, audit_entry_values
from scripthub.adapters.sqlalchemy.tables import audit_logs

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.application.ports.audit import AuditQuery
    from scripthub.domain.audit import AuditEntry


class SqlAlchemyAuditLog:
    """Audit entries, written in the same transaction as the change they describe."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(self, entry: AuditEntry) -> None:
        await self._connection.execute(insert(audit_logs).values(audit_entry_values(entry)))

    async def search(self, query: AuditQuery) -> list[AuditEntry]:
        statement = select(audit_logs).where(*_search_conditions(query))
        result = await self._connection.execute(
            newest_first(
                statement, audit_logs.c.occurred_at, audit_logs.c.id, query.after, query.limit
            )
        )
        return [audit_entry_from_row(row) for row in result.mappings()]


def _search_conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    columns = audit_logs.c
    outcome = None if query.outcome is None else query.outcome.value
    equal_to: list[tuple[ColumnElement[Any], object]] = [
        (columns.actor_id, query.actor_id),
        (columns.action, query.action),
        (columns.resource_type, query.resource_type),
        (columns.resource_id, query.resource_id),
        (columns.outcome, outcome),
    ]
    conditions = [column == value for column, value in equal_to if value is not None]
    if query.since is not None:
        conditions.append(columns.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(columns.occurred_at < query.until)
    return conditions
