"""Ask for a new email verification link."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal, load_own_user
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.email_tokens import TokenPurpose


@dataclass(frozen=True)
class ResendVerificationEmailCommand:
    principal: Principal


class ResendVerificationEmail:
    """Queue a fresh link unless the address is verified or a link went out this minute; the
    caller learns nothing either way."""

    def __init__(self, uow_factory: UnitOfWorkFactory, token_mail: TokenMail) -> None:
        self._uow_factory = uow_factory
        self._token_mail = token_mail

    async def execute(self, command: ResendVerificationEmailCommand) -> None:
        async with self._uow_factory() as uow:
            user = (await load_own_user(uow, command.principal.user_id)).user
            if not user.email_verified and await self._token_mail.queue(
                uow, user, TokenPurpose.VERIFY_EMAIL
            ):
                await uow.commit()
