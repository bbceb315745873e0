"""Sign up with an email and a password."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import OwnUser
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.users.new_account import AccountFields, NewAccounts
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.providers import Provider
from scripthub.domain.roles import DEFAULT_ROLE


@dataclass(frozen=True)
class RegisterUserCommand:
    email: str
    password: str
    username: str
    full_name: str | None = None
    context: RequestContext = RequestContext()


class RegisterUser:
    """Create an active account with the `user` role and the `email` sign-in method, queue
    the mail that verifies its address (in the same transaction), and sign in."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_accounts: NewAccounts,
        sessions: SessionStarter,
        token_mail: TokenMail,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._new_accounts = new_accounts
        self._sessions = sessions
        self._token_mail = token_mail
        self._clock = clock

    async def execute(self, command: RegisterUserCommand) -> TokenPair:
        fields = AccountFields(command.email, command.password, command.username, command.full_name)
        user = await self._new_accounts.prepare(fields, verified=False)
        async with self._uow_factory() as uow:
            await self._new_accounts.stage(uow, user)
            await self._token_mail.queue(uow, user, TokenPurpose.VERIFY_EMAIL)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.registered",
                    command.context,
                    actor_id=user.id,
                    resource_type="user",
                    resource_id=user.id,
                    metadata={"by": "self"},
                )
            )
            await uow.commit()
        own = OwnUser(user, [DEFAULT_ROLE], [str(Provider.EMAIL)])
        return await self._sessions.start(own, command.context, Provider.EMAIL)
