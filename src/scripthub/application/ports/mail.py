"""Sending mail, and the durable outbox that makes sure it is sent."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from scripthub.domain.mail import Claim, DeliveryStatus, Email, OutboxMessage

if TYPE_CHECKING:
    from collections.abc import Collection


class MailDeliveryError(Exception):
    """The mail was not accepted. `permanent` says retrying cannot help (e.g. 5xx reply)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Mailer(Protocol):
    async def send(self, email: Email) -> None:
        """Hand the mail to the transport, from the configured sender; raise MailDeliveryError
        if it was not accepted."""


class OutboxWriter(Protocol):
    """The write side, inside the unit of work: a mail is queued in the same transaction as
    the change that causes it, so neither exists without the other."""

    async def enqueue(self, message: OutboxMessage) -> None: ...


class OutboxDispatchStore(Protocol):
    """The dispatcher's side. Each method is its own short transaction."""

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Take up to `limit` PENDING messages with `next_attempt_at <= now`, oldest first, and
        lease them: their `next_attempt_at` moves to `now + lease` and `attempts` grows by one,
        so a dispatcher that dies mid-send lets another retry after the lease. Concurrent
        callers (other processes) never receive the same message (PostgreSQL: FOR UPDATE SKIP
        LOCKED). Returns the messages as updated; each one's `claim` identifies this lease."""

    async def extend_lease(self, claims: Collection[Claim], until: datetime) -> set[Claim]:
        """Move the lease of each message still held under its claim (PENDING, not claimed
        again since) to `until`, even if it ran out; returns those claims. The others were
        superseded or already reported on, and are left alone."""

    async def mark_sent(self, message_id: uuid.UUID, now: datetime) -> None:
        """SENT, whoever holds the message now: the mail went out."""

    async def schedule_retry(self, claim: Claim, at: datetime, error: str) -> None:
        """Back to PENDING, due at `at`, remembering the error; only while `claim` holds."""

    async def mark_failed(self, claim: Claim, now: datetime, error: str) -> None:
        """Give up: FAILED, kept with its error for operators; only while `claim` holds."""

    async def list_by_status(self, status: DeliveryStatus, limit: int) -> list[OutboxMessage]:
        """Newest first."""

    async def count_by_status(self) -> dict[DeliveryStatus, int]:
        """Every status is a key."""

    async def oldest_pending_created_at(self) -> datetime | None:
        """When the oldest PENDING message was queued; None when none is pending."""

    async def requeue(self, message_id: uuid.UUID, now: datetime) -> bool:
        """An operator's retry of a FAILED message: PENDING again, due now, attempts reset.
        False if there is no failed message with that id."""
