"""`OutboxDispatchStore` over `mail_outbox`: the dispatchers' side of the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, tuple_, update

from scripthub.adapters.sqlalchemy.outbox_table import mail_outbox, outbox_message_from_row
from scripthub.adapters.sqlalchemy.short_transactions import ShortTransactions
from scripthub.domain.mail import Claim, DeliveryStatus, OutboxMessage

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection
    from datetime import timedelta

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncEngine


class SqlAlchemyOutboxDispatchStore:
    """`OutboxDispatchStore`: every method is its own short transaction on a connection of
    `engine`.

    Claiming locks the rows it takes (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; on
    SQLite, which has no row locks, the transaction holds the database write lock from its
    BEGIN IMMEDIATE on). A renewal, a retry or a failure only applies to a PENDING message
    under the claim that reports it (its `attempts` unchanged since): a dispatcher whose lease
    ran out never undoes the delivery another one recorded, nor moves the lease of one that
    claimed the message since.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._connections = ShortTransactions(engine, lock_sqlite_at_begin=True)

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
        columns = mail_outbox.c
        async with self._connections.write() as connection:
            due = await connection.execute(
                select(columns.id)
                .where(_is(DeliveryStatus.PENDING), columns.next_attempt_at <= now)
                .order_by(columns.created_at, columns.id)
                .limit(max(limit, 0))
                .with_for_update(skip_locked=True)
            )
            ids = list(due.scalars())
            if not ids:
                return []
            claimed = await connection.execute(
                update(mail_outbox)
                .where(columns.id.in_(ids))
                .values(attempts=columns.attempts + 1, next_attempt_at=now + lease, updated_at=now)
                .returning(*columns)
            )
            messages = [outbox_message_from_row(row) for row in claimed.mappings()]
        return sorted(messages, key=lambda message: (message.created_at, message.id))

    async def extend_lease(self, claims: Collection[Claim], until: datetime) -> set[Claim]:
        if not claims:
            return set()
        columns = mail_outbox.c
        async with self._connections.write() as connection:
            renewed = await connection.execute(
                update(mail_outbox)
                .where(
                    _is(DeliveryStatus.PENDING),
                    tuple_(columns.id, columns.attempts).in_(
                        [(claim.message_id, claim.attempt) for claim in claims]
                    ),
                )
                .values(next_attempt_at=until)
                .returning(columns.id, columns.attempts)
            )
            return {Claim(message_id, attempt) for message_id, attempt in renewed}

    async def mark_sent(self, message_id: uuid.UUID, now: datetime) -> None:
        await self._change(
            message_id, status=DeliveryStatus.SENT.value, sent_at=now, updated_at=now
        )

    async def schedule_retry(self, claim: Claim, at: datetime, error: str) -> None:
        await self._change(
            claim.message_id,
            *_held_under(claim),
            next_attempt_at=at,
            last_error=_storable(error),
            updated_at=datetime.now(UTC),
        )

    async def mark_failed(self, claim: Claim, now: datetime, error: str) -> None:
        await self._change(
            claim.message_id,
            *_held_under(claim),
            status=DeliveryStatus.FAILED.value,
            last_error=_storable(error),
            updated_at=now,
        )

    async def list_by_status(self, status: DeliveryStatus, limit: int) -> list[OutboxMessage]:
        async with self._connections.read() as connection:
            result = await connection.execute(
                select(mail_outbox)
                .where(_is(status))
                .order_by(mail_outbox.c.created_at.desc(), mail_outbox.c.id.desc())
                .limit(max(limit, 0))
            )
            return [outbox_message_from_row(row) for row in result.mappings()]

    async def count_by_status(self) -> dict[DeliveryStatus, int]:
        async with self._connections.read() as connection:
            result = await connection.execute(
                select(mail_outbox.c.status, func.count()).group_by(mail_outbox.c.status)
            )
            counted = {DeliveryStatus(status): count for status, count in result}
        return {status: counted.get(status, 0) for status in DeliveryStatus}

    async def oldest_pending_created_at(self) -> datetime | None:
        async with self._connections.read() as connection:
            oldest: datetime | None = await connection.scalar(
                select(func.min(mail_outbox.c.created_at)).where(_is(DeliveryStatus.PENDING))
            )
        return oldest

    async def requeue(self, message_id: uuid.UUID, now: datetime) -> bool:
        return await self._change(
            message_id,
            _is(DeliveryStatus.FAILED),
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            updated_at=now,
        )

    async def _change(
        self, message_id: uuid.UUID, *conditions: ColumnElement[bool], **values: Any
    ) -> bool:
        async with self._connections.write() as connection:
            result = await connection.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id == message_id, *conditions)
                .values(**values)
                .returning(mail_outbox.c.id)
            )
            return result.first() is not None


def _is(status: DeliveryStatus) -> ColumnElement[bool]:
    return mail_outbox.c.status == status.value


def _held_under(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    return _is(DeliveryStatus.PENDING), mail_outbox.c.attempts == claim.attempt


def _storable(error: str) -> str:
    # A driver's or server's message may hold NUL, which PostgreSQL cannot store; failing
    # here would leave the mail leased instead of recording why it was not sent.
    return error.replace("\x00", "\N{REPLACEMENT CHARACTER}")
