"""Outgoing mail and its delivery state in the outbox."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Gave up after the last retry; kept for operators, never dropped."""


@dataclass
class OutboxMessage:
    id: uuid.UUID
    email: Email
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
