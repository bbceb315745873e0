"""Ask to move one's account to a new email address."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal, load_own_user
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.email_syntax import EmailSyntax
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import EmailTakenError, ValidationError, WrongCurrentPasswordError
from scripthub.domain.users import normalize_email


@dataclass(frozen=True)
class RequestEmailChangeCommand:
    principal: Principal
    new_email: str
    current_password: str


class RequestEmailChange:
    """Mail a confirmation link to the new address; nothing changes until it is followed
    (`ConfirmEmailChange`). At most one such mail per account per minute: a request within
    the minute sends nothing, and is answered the same."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        token_mail: TokenMail,
        hasher: PasswordHasher,
        email_syntax: EmailSyntax,
    ) -> None:
        self._uow_factory = uow_factory
        self._token_mail = token_mail
        self._hasher = hasher
        self._email_syntax = email_syntax

    async def execute(self, command: RequestEmailChangeCommand) -> None:
        new_email = self._email_syntax.canonical(normalize_email(command.new_email))
        async with self._uow_factory() as uow:
            user = (await load_own_user(uow, command.principal.user_id)).user
        if not await self._hasher.verify(command.current_password, user.password_hash):
            raise WrongCurrentPasswordError("The current password is wrong.")
        if new_email == user.email:
            raise ValidationError.single("email", "is already your address")
        async with self._uow_factory() as uow:
            if await uow.users.email_in_use(new_email):
                raise EmailTakenError("This email is already registered.")
            if await self._token_mail.queue(
                uow, user, TokenPurpose.CHANGE_EMAIL, new_email=new_email
            ):
                await uow.commit()
