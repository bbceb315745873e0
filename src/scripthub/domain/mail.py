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

    @property
    def claim(self) -> Claim:
        """The claim this message was handed out under, as `claim_due` returned it."""
        return Claim(self.id, self.attempts)


@dataclass(frozen=True)
class Claim:
    """A dispatcher's hold on a message: its `attempt`-th claim. A dispatcher whose lease ran
    out may find the message claimed again (`attempts` moved on); its claim is then
    superseded, and nothing it reports for that claim changes the message."""

    message_id: uuid.UUID
    attempt: int
