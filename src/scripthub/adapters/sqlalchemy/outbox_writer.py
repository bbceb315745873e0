"""`OutboxWriter` over `mail_outbox`, and its rows as domain objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from scripthub.adapters.sqlalchemy.mapping import without_nul
from scripthub.adapters.sqlalchemy.tables import mail_outbox
from scripthub.domain.mail import DeliveryStatus, Email, OutboxMessage

if TYPE_CHECKING:
    from sqlalchemy import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection


class SqlAlchemyOutboxWriter:
    """`OutboxWriter` in the unit of work's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def enqueue(self, message: OutboxMessage) -> None:
        await self._connection.execute(insert(mail_outbox).values(outbox_values(message)))


def outbox_values(message: OutboxMessage) -> dict[str, Any]:
    return without_nul(
        {
            "id": message.id,
            "recipient": message.email.to,
            "subject": message.email.subject,
            "text_body": message.email.text,
            "html_body": message.email.html,
            "status": message.status.value,
            "attempts": message.attempts,
            "next_attempt_at": message.next_attempt_at,
            "last_error": message.last_error,
            "sent_at": message.sent_at,
            "created_at": message.created_at,
            "updated_at": message.created_at,
        }
    )


def outbox_message_from_row(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        email=Email(
            to=row["recipient"],
            subject=row["subject"],
            text=row["text_body"],
            html=row["html_body"],
        ),
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
    )
