"""Forgotten passwords: mail a reset link."""

from __future__ import annotations

from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import ValidationError
from scripthub.domain.users import normalize_email


class RequestPasswordReset:
    """Mail a reset link to an active account with this address. Unknown addresses, and a
    second request within a minute, do nothing: the caller cannot tell which happened."""

    def __init__(self, uow: UnitOfWork, token_mail: TokenMail) -> None:
        self._uow = uow
        self._token_mail = token_mail

    async def execute(self, raw_email: str) -> None:
        try:
            email = normalize_email(raw_email)
        except ValidationError:
            return
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is None or not user.is_active:
                return
            if await self._token_mail.queue(uow, user, TokenPurpose.RESET_PASSWORD):
                await uow.commit()
