"""Sign in with an email and a password."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import OwnUser, load_own_user
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import AuditEntry, Outcome, RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    InvalidCredentialsError,
    ValidationError,
)
from scripthub.domain.providers import Provider
from scripthub.domain.users import normalize_email


@dataclass(frozen=True)
class LogInCommand:
    email: str
    password: str
    context: RequestContext = RequestContext()


class LogIn:
    """Check the password and open a session.

    An unknown email, a deleted account, an account without a password and a wrong password
    all cost one bcrypt comparison and give the same InvalidCredentialsError.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        sessions: SessionStarter,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock

    async def execute(self, command: LogInCommand) -> TokenPair:
        own = await self._find_account(command.email)
        # The transaction is closed here: no pooled connection waits on bcrypt.
        password_hash = own.user.password_hash if own else None
        if not await self._hasher.verify(command.password, password_hash) or own is None:
            await self._record(command, own, Outcome.FAILURE, "invalid_credentials")
            raise InvalidCredentialsError("Email or password is wrong.")
        if not own.user.is_active:
            await self._record(command, own, Outcome.DENIED, "account_suspended")
            raise AccountSuspendedError("This account is suspended.")
        pair = await self._sessions.start(own, command.context, Provider.EMAIL)
        await self._record(command, own, Outcome.SUCCESS, None)
        return pair

    async def _find_account(self, raw_email: str) -> OwnUser | None:
        try:
            email = normalize_email(raw_email)
        except ValidationError:
            return None
        async with self._uow_factory() as uow:
            user = await uow.users.get_by_email(email)
            return None if user is None else await load_own_user(uow, user.id)

    async def _record(
        self, command: LogInCommand, own: OwnUser | None, outcome: Outcome, reason: str | None
    ) -> None:
        metadata: dict[str, str] = {"provider": str(Provider.EMAIL)}
        if reason:
            metadata["reason"] = reason
        entry: AuditEntry = audit_entry(
            self._clock,
            "auth.login",
            command.context,
            # A failed attempt is nobody's action, but it is about the account it targeted.
            actor_id=own.user.id if own and outcome is not Outcome.FAILURE else None,
            resource_type="user",
            resource_id=own.user.id if own else None,
            outcome=outcome,
            metadata=metadata,
        )
        await record_alone(self._uow_factory(), entry)
