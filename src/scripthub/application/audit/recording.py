"""Building audit entries from inside use cases."""

from __future__ import annotations

import uuid
from typing import Any

from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import AuditEntry, Outcome, RequestContext


def audit_entry(
    clock: Clock,
    action: str,
    context: RequestContext,
    *,
    actor_id: uuid.UUID | None,
    resource_type: str | None = None,
    resource_id: object | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    metadata: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=uuid.uuid4(),
        occurred_at=clock.now(),
        actor_id=actor_id,
        action=action,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        outcome=outcome,
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        metadata=_with_request(metadata or {}, context),
    )


def _with_request(metadata: dict[str, Any], context: RequestContext) -> dict[str, Any]:
    """`metadata` with the request's id and the token it was made with, where known."""
    if context.request_id is not None:
        metadata = {**metadata, "request_id": context.request_id}
    if context.token_id is not None:
        metadata = {**metadata, "token_id": str(context.token_id)}
    return metadata


async def record_alone(uow: UnitOfWork, *entries: AuditEntry) -> None:
    """Commit entries in a transaction of their own, for events that change nothing else in
    the relational store (sign-ins, sign-outs, token reuse)."""
    async with uow:
        for entry in entries:
            await uow.audit.record(entry)
        await uow.commit()
