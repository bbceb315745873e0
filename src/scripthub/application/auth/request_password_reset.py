"""Forgotten passwords: mail a reset link."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.email_syntax import EmailSyntax
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import ValidationError
from scripthub.domain.users import normalize_email


@dataclass(frozen=True)
class RequestPasswordResetCommand:
    email: str


class RequestPasswordReset:
    """Mail a reset link to an active account with this address. Unknown addresses, and a
    second request within a minute, do nothing: the caller cannot tell which happened."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, token_mail: TokenMail, email_syntax: EmailSyntax
    ) -> None:
        self._uow_factory = uow_factory
        self._token_mail = token_mail
        self._email_syntax = email_syntax

    async def execute(self, command: RequestPasswordResetCommand) -> None:
        try:
            email = self._email_syntax.canonical(normalize_email(command.email))
        except ValidationError:
            return
        async with self._uow_factory() as uow:
            user = await uow.users.get_by_email(email)
            if user is None or not user.is_active:
                return
            if await self._token_mail.queue(uow, user, TokenPurpose.RESET_PASSWORD):
                await uow.commit()
