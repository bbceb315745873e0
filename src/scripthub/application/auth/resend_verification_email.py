"""Ask for a new email verification link."""

from __future__ import annotations

from scripthub.application.accounts import Principal, load_own_user
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.email_tokens import TokenPurpose


class ResendVerificationEmail:
    """Queue a fresh link unless the address is verified or a link went out this minute; the
    caller learns nothing either way."""

    def __init__(self, uow: UnitOfWork, token_mail: TokenMail) -> None:
        self._uow = uow
        self._token_mail = token_mail

    async def execute(self, principal: Principal) -> None:
        async with self._uow as uow:
            user = (await load_own_user(uow, principal.user_id)).user
            if not user.email_verified and await self._token_mail.queue(
                uow, user, TokenPurpose.VERIFY_EMAIL
            ):
                await uow.commit()
