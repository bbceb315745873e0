"""The outbox dispatcher: deliver queued mail, retry with capped backoff, never drop it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from scripthub.application.mail.held_claims import HeldClaims
from scripthub.application.ports.mail import MailDeliveryError, Mailer, OutboxDispatchStore
from scripthub.application.ports.system import Clock
from scripthub.domain.mail import OutboxMessage

logger = logging.getLogger("scripthub.mail")


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(seconds=30)
    """The cap keeps a mail queued during an outage within a minute of the server's return."""
    max_attempts: int = 20
    """About eight minutes of trying; then the mail is kept as failed for operators."""
    lease: timedelta = timedelta(seconds=10)
    """How long a claimed mail is ours before another dispatcher may take it over. Renewed
    while we send it, so only a dispatcher that died (or lost the database) lets it run out:
    its mail then goes out again within about this long."""

    @property
    def renew_every(self) -> timedelta:
        # Two renewals may fail before the lease runs out.
        return self.lease / 3

    def delay_after(self, attempts: int) -> timedelta:
        return min(self.first_delay * (1 << max(attempts - 1, 0)), self.max_delay)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class DeliverMail:
    """One dispatcher; several (in several processes) may run against the same outbox, since
    claiming leases each mail to exactly one of them, and the lease is renewed for as long
    as the dispatcher is sending."""

    def __init__(
        self,
        outbox: OutboxDispatchStore,
        mailer: Mailer,
        clock: Clock,
        policy: RetryPolicy | None = None,
        batch_size: int = 20,
    ) -> None:
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._policy = policy or RetryPolicy()
        self._batch_size = batch_size

    async def run_once(self) -> DeliveryReport:
        """Deliver every mail due now, batch after batch."""
        sent = retrying = failed = 0
        policy = self._policy
        while batch := await self._outbox.claim_due(
            self._clock.now(), self._batch_size, policy.lease
        ):
            held = HeldClaims(self._outbox, self._clock, batch, policy.lease, policy.renew_every)
            async with held:
                for message in batch:
                    if not held.holds(message):
                        continue
                    outcome = await self._deliver(message, held)
                    sent += outcome == "sent"
                    retrying += outcome == "retrying"
                    failed += outcome == "failed"
        return DeliveryReport(sent, retrying, failed)

    async def oldest_pending_age(self) -> timedelta:
        """How long the oldest mail not yet sent has waited (zero with none waiting): past the
        retry policy's few minutes, no dispatcher is delivering."""
        queued_at = await self._outbox.oldest_pending_created_at()
        if queued_at is None:
            return timedelta(0)
        return max(self._clock.now() - queued_at, timedelta(0))

    async def _deliver(self, message: OutboxMessage, held: HeldClaims) -> str:
        try:
            await self._mailer.send(message.email)
        except MailDeliveryError as error:
            held.release(message)
            return await self._after_failure(message, error)
        held.release(message)
        await self._outbox.mark_sent(message.id, self._clock.now())
        return "sent"

    async def _after_failure(self, message: OutboxMessage, error: MailDeliveryError) -> str:
        now = self._clock.now()
        reason = str(error)[:1000]
        if error.permanent or message.attempts >= self._policy.max_attempts:
            await self._outbox.mark_failed(message.claim, now, reason)
            logger.error("mail %s to %s failed for good: %s", message.id, message.email.to, reason)
            return "failed"
        retry_at = now + self._policy.delay_after(message.attempts)
        await self._outbox.schedule_retry(message.claim, retry_at, reason)
        logger.warning(
            "mail %s: attempt %d failed (%s); retrying", message.id, message.attempts, reason
        )
        return "retrying"
