"""The mail outbox in an `InMemoryDatabase`: queued by units of work, drained by dispatchers."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from scripthub.domain.mail import Claim, DeliveryStatus, OutboxMessage

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection
    from datetime import datetime, timedelta

    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryOutboxWriter:
    """`OutboxWriter` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def enqueue(self, message: OutboxMessage) -> None:
        await self._writing()
        self._database.outbox[message.id] = dataclasses.replace(message)


class InMemoryOutboxDispatchStore:
    """`OutboxDispatchStore` on the published state of the database the units of work commit to.

    No method awaits, so each is atomic on the event loop. Rows are replaced, never changed
    in place, as `InMemoryUnitOfWork` expects of published rows. A renewal, a retry or a
    failure only applies to a PENDING message under the claim that reports it, as in the SQL
    store.
    """

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
        due = sorted(
            (
                message
                for message in self._database.outbox.values()
                if message.status is DeliveryStatus.PENDING and message.next_attempt_at <= now
            ),
            key=lambda message: (message.created_at, message.id),
        )[: max(limit, 0)]
        return [
            self._replace(message, attempts=message.attempts + 1, next_attempt_at=now + lease)
            for message in due
        ]

    async def extend_lease(self, claims: Collection[Claim], until: datetime) -> set[Claim]:
        held = {claim for claim in claims if self._holds(claim)}
        for claim in held:
            self._change(claim.message_id, DeliveryStatus.PENDING, next_attempt_at=until)
        return held

    async def mark_sent(self, message_id: uuid.UUID, now: datetime) -> None:
        self._change(message_id, None, status=DeliveryStatus.SENT, sent_at=now)

    async def schedule_retry(self, claim: Claim, at: datetime, error: str) -> None:
        if self._holds(claim):
            self._change(
                claim.message_id, DeliveryStatus.PENDING, next_attempt_at=at, last_error=error
            )

    async def mark_failed(self, claim: Claim, now: datetime, error: str) -> None:
        if self._holds(claim):
            self._change(
                claim.message_id,
                DeliveryStatus.PENDING,
                status=DeliveryStatus.FAILED,
                last_error=error,
            )

    async def list_by_status(self, status: DeliveryStatus, limit: int) -> list[OutboxMessage]:
        found = (message for message in self._database.outbox.values() if message.status is status)
        newest = sorted(found, key=lambda message: (message.created_at, message.id), reverse=True)
        return [dataclasses.replace(message) for message in newest[: max(limit, 0)]]

    async def count_by_status(self) -> dict[DeliveryStatus, int]:
        counts = dict.fromkeys(DeliveryStatus, 0)
        for message in self._database.outbox.values():
            counts[message.status] += 1
        return counts

    async def oldest_pending_created_at(self) -> datetime | None:
        pending = self._database.outbox.values()
        return min(
            (m.created_at for m in pending if m.status is DeliveryStatus.PENDING), default=None
        )

    async def requeue(self, message_id: uuid.UUID, now: datetime) -> bool:
        return self._change(
            message_id,
            DeliveryStatus.FAILED,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
        )

    def _holds(self, claim: Claim) -> bool:
        message = self._database.outbox.get(claim.message_id)
        return (
            message is not None
            and message.status is DeliveryStatus.PENDING
            and message.attempts == claim.attempt
        )

    def _change(
        self, message_id: uuid.UUID, only_if: DeliveryStatus | None, **changes: Any
    ) -> bool:
        message = self._database.outbox.get(message_id)
        if message is None or (only_if is not None and message.status is not only_if):
            return False
        self._replace(message, **changes)
        return True

    def _replace(self, message: OutboxMessage, **changes: Any) -> OutboxMessage:
        changed = dataclasses.replace(message, **changes)
        self._database.outbox[message.id] = changed
        return dataclasses.replace(changed)
