"""The `audit_logs` table, its rows as audit entries and back, and `AuditLog` over it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
)

from scripthub.adapters.sqlalchemy.columns import JsonDocument, timestamps
from scripthub.adapters.sqlalchemy.keyset import newest_first
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.statements import new_value_parameters, new_values
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.audit import AuditEntry, Outcome

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.statements import Statements
    from scripthub.application.ports.audit import AuditQuery

audit_logs = Table(
    "audit_logs",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    # No foreign key: the actor may be deleted later, or be the command line.
    Column("actor_id", Uuid()),
    Column("action", Text(), nullable=False),
    Column("resource_type", Text()),
    Column("resource_id", Text()),
    Column("outcome", String(16), nullable=False),
    Column("ip_address", Text()),
    Column("user_agent", Text()),
    Column("metadata", JsonDocument, nullable=False),
    *timestamps(),
    CheckConstraint("outcome IN ('success', 'failure', 'denied')", name="outcome"),
    # Keyset pagination, newest first (scanned backwards), and the `since`/`until` bounds.
    Index("ix_audit_logs_occurred_at_id", "occurred_at", "id"),
    Index("ix_audit_logs_actor_id_occurred_at", "actor_id", "occurred_at"),
    Index("ix_audit_logs_action_occurred_at", "action", "occurred_at"),
    Index("ix_audit_logs_resource_type_resource_id", "resource_type", "resource_id"),
)


_INSERT = insert(audit_logs).values(new_value_parameters(audit_logs.c.keys()))


def audit_entry_values(entry: AuditEntry) -> dict[str, Any]:
    return without_nul(
        {
            "id": entry.id,
            "occurred_at": entry.occurred_at,
            "actor_id": entry.actor_id,
            "action": entry.action,
            "resource_type": entry.resource_type,
            "resource_id": entry.resource_id,
            "outcome": entry.outcome.value,
            "ip_address": entry.ip_address,
            "user_agent": entry.user_agent,
            "metadata": entry.metadata,
            "created_at": entry.occurred_at,
            "updated_at": entry.occurred_at,
        }
    )


def audit_entry_from_row(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        occurred_at=row["occurred_at"],
        actor_id=row["actor_id"],
        action=row["action"],
        resource_type=row["resource_type"],
        resource_id=row["resource_id"],
        outcome=Outcome(row["outcome"]),
        ip_address=row["ip_address"],
        user_agent=row["user_agent"],
        metadata=dict(row["metadata"]),
    )


class SqlAlchemyAuditLog:
    """Audit entries, written in the same transaction as the change they describe."""

    def __init__(self, connection: AsyncConnection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def record(self, entry: AuditEntry) -> None:
        values = audit_entry_values(entry)
        await self._statements.run(_INSERT, new_values(values))

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
