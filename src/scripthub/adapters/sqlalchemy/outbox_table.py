"""The `mail_outbox` table, and its rows as outbox messages and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Column, Index, Integer, Table, Text, Uuid

from scripthub.adapters.sqlalchemy.columns import timestamps
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.mail import DeliveryStatus, Email, OutboxMessage

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("recipient", Text(), nullable=False),
    Column("subject", Text(), nullable=False),
    Column("text_body", Text(), nullable=False),
    Column("html_body", Text(), nullable=False),
    Column("status", Text(), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text()),
    Column("sent_at", UtcDateTime()),
    *timestamps(),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    # Claiming due mail, and listing each status newest first.
    Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_mail_outbox_status_created_at", "status", "created_at"),
)


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
