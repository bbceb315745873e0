"""A dispatcher's claims on the batch it is sending, renewed until it is done."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Self

from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from datetime import timedelta
    from types import TracebackType

    from scripthub.application.ports.mail import OutboxDispatchStore
    from scripthub.application.ports.system import Clock
    from scripthub.domain.mail import OutboxMessage

logger = logging.getLogger("scripthub.mail")


class HeldClaims:
    """The messages of one claimed batch that this dispatcher still holds.

    Inside `async with`, their leases are renewed in the background every `renew_every`,
    so that a slow mail server never lets a lease run out mid-send and another dispatcher
    send the same mail. Leaving stops the renewals (one under way finishes first) and leaves
    the rest of the leases to run out: a dispatcher that stopped, or was killed, hands its
    unsent mail over within one lease.
    """

    def __init__(
        self,
        outbox: OutboxDispatchStore,
        clock: Clock,
        batch: list[OutboxMessage],
        lease: timedelta,
        renew_every: timedelta,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._lease = lease
        self._renew_every = renew_every.total_seconds()
        self._claims = {message.id: message.claim for message in batch}
        self._until = min(message.next_attempt_at for message in batch)
        self._done = asyncio.Event()

    def holds(self, message: OutboxMessage) -> bool:
        """Whether `message` is still ours to send: nobody claimed it since, and its lease
        did not run out (as it may while renewals fail)."""
        return message.id in self._claims and self._clock.now() < self._until

    def release(self, message: OutboxMessage) -> None:
        """Stop renewing `message`: it is being reported on."""
        self._claims.pop(message.id, None)

    async def __aenter__(self) -> Self:
        self._renewals = asyncio.create_task(self._renew_until_done())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        await self._renewals

    async def _renew_until_done(self) -> None:
        while not await self._done_within(self._renew_every):
            await self._renew()

    async def _done_within(self, seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                await self._done.wait()
        except TimeoutError:
            return False
        return True

    async def _renew(self) -> None:
        claims = set(self._claims.values())
        if not claims:
            return
        until = self._clock.now() + self._lease
        try:
            held = await self._outbox.extend_lease(claims, until)
        except ServiceUnavailableError as error:
            # The leases run on as they were; sending stops when they run out.
            logger.warning("mail leases not renewed: %s", error.detail)
            return
        for lost in claims - held:
            logger.warning("mail %s was claimed by another dispatcher", lost.message_id)
            self._claims.pop(lost.message_id, None)
        self._until = until
