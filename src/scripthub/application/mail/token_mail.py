"""Queue a mail carrying a single-use link, inside the caller's transaction."""

from __future__ import annotations

import uuid

from scripthub.application.mail.messages import MailLinks, token_email
from scripthub.application.ports.system import Clock, RateLimiter
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.tokens import hash_token, new_opaque_token
from scripthub.domain.email_tokens import MAIL_THROTTLE, TOKEN_LIFETIMES, EmailToken, TokenPurpose
from scripthub.domain.errors import EmailTokenInvalidError
from scripthub.domain.mail import Email, OutboxMessage
from scripthub.domain.users import User


class TokenMail:
    """Creates the token (only its hash is stored) and queues the mail in the outbox, both in
    the caller's unit of work: the mail exists exactly when the change that caused it does."""

    def __init__(self, links: MailLinks, clock: Clock, limiter: RateLimiter) -> None:
        self._links = links
        self._clock = clock
        self._limiter = limiter

    async def queue(
        self, uow: UnitOfWork, user: User, purpose: TokenPurpose, *, new_email: str | None = None
    ) -> bool:
        """Queue the mail unless one of this purpose went to this account within the minute
        (counted atomically, however many requests race); say whether it was queued. With
        `new_email` (an email change) the token carries that address and the mail goes
        there."""
        window = int(MAIL_THROTTLE.total_seconds())
        if not (await self._limiter.hit(f"mail:{purpose}:{user.id}", 1, window)).allowed:
            return False
        now = self._clock.now()
        token, token_hash = new_opaque_token()
        await uow.email_tokens.add(
            EmailToken(
                id=uuid.uuid4(),
                user_id=user.id,
                purpose=purpose,
                token_hash=token_hash,
                created_at=now,
                expires_at=now + TOKEN_LIFETIMES[purpose],
                new_email=new_email,
            )
        )
        link = self._links.for_token(purpose, token)
        await self.send(uow, token_email(purpose, new_email or user.email, user.username, link))
        return True

    async def send(self, uow: UnitOfWork, email: Email) -> None:
        """Queue a mail in the outbox, in the caller's transaction."""
        now = self._clock.now()
        await uow.outbox.enqueue(
            OutboxMessage(id=uuid.uuid4(), email=email, created_at=now, next_attempt_at=now)
        )

    async def redeem(self, uow: UnitOfWork, token: str, purpose: TokenPurpose) -> EmailToken:
        """Use the token up, or raise EmailTokenInvalidError if it is unknown, used or expired."""
        found = await self.find_usable(uow, token, purpose)
        await self.use(uow, found)
        return found

    async def find_usable(self, uow: UnitOfWork, token: str, purpose: TokenPurpose) -> EmailToken:
        """The token if it is known, unused and unexpired (without using it up), else
        EmailTokenInvalidError."""
        found = await uow.email_tokens.find(hash_token(token), purpose)
        if found is None or not found.usable(self._clock.now()):
            raise self.unusable()
        return found

    async def use(self, uow: UnitOfWork, token: EmailToken) -> None:
        """Use up a token `find_usable` returned, or raise EmailTokenInvalidError if a concurrent
        transaction used it first."""
        if not await uow.email_tokens.consume(token.id, self._clock.now()):
            raise self.unusable()

    @staticmethod
    def unusable() -> EmailTokenInvalidError:
        """The error for a link that cannot be used (unknown, used, expired, not yours)."""
        return EmailTokenInvalidError(
            "This link is invalid, already used or expired; ask for a new one."
        )
