"""Sign in with a username or an email, and a password."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import OwnUser, load_own_user
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.ports.email_syntax import EmailSyntax
from scripthub.application.ports.login_throttle import LoginThrottle
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import Outcome, RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    InvalidCredentialsError,
    LoginThrottledError,
    ValidationError,
)
from scripthub.domain.providers import Provider
from scripthub.domain.users import normalize_email, normalize_username


@dataclass(frozen=True)
class LogInCommand:
    login: str
    """A username or an email: text with an `@` is taken as an email (usernames have none)."""
    password: str
    context: RequestContext = RequestContext()


class LogIn:
    """Check the password and open a session.

    An unknown username or email, a deleted account, an account without a password and a wrong
    password all cost one bcrypt comparison and give the same InvalidCredentialsError, and all
    count against the client's failures for that username or email and password (see
    `LoginThrottle`). The failure that reaches the threshold, and every attempt after it while
    the client is blocked, is a LoginThrottledError whose wait doubles each time; a blocked
    attempt gets no password check. The right password resets that client's count, whatever
    the account's status, and a password reset starts a fresh count, so the owner gets back in
    at once.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        sessions: SessionStarter,
        clock: Clock,
        throttle: LoginThrottle,
        email_syntax: EmailSyntax,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._throttle = throttle
        self._email_syntax = email_syntax

    async def execute(self, command: LogInCommand) -> TokenPair:
        client = command.context.ip_address or "unknown"
        own = await self._find_account(command.login)
        # The transaction is closed here: no pooled connection waits on bcrypt.
        password_hash = own.user.password_hash if own else None
        throttled_as = _throttle_subject(command.login, password_hash)
        if await self._throttle.check(client, throttled_as, self._clock.now()) is not None:
            # Blocked: no bcrypt to spend, and trying again only lengthens the wait.
            block = await self._throttle.record_failure(client, throttled_as, self._clock.now())
            raise LoginThrottledError(block or 1)
        if not await self._hasher.verify(command.password, password_hash) or own is None:
            block = await self._throttle.record_failure(client, throttled_as, self._clock.now())
            await self._record(command, own, Outcome.FAILURE, "invalid_credentials", block)
            if block is not None:
                raise LoginThrottledError(block)
            raise InvalidCredentialsError("Username, email or password is wrong.")
        await self._throttle.reset(client, throttled_as)
        if not own.user.is_active:
            await self._record(command, own, Outcome.DENIED, "account_suspended")
            raise AccountSuspendedError("This account is suspended.")
        pair = await self._sessions.start(own, command.context, Provider.EMAIL)
        await self._record(command, own, Outcome.SUCCESS, None)
        return pair

    async def _find_account(self, login: str) -> OwnUser | None:
        try:
            by_email = _is_email(login)
            name = (
                self._email_syntax.canonical(normalize_email(login))
                if by_email
                else normalize_username(login)
            )
        except ValidationError:
            return None
        async with self._uow_factory() as uow:
            users = uow.users
            user = await (users.get_by_email(name) if by_email else users.get_by_username(name))
            return None if user is None else await load_own_user(uow, user.id)

    async def _record(
        self,
        command: LogInCommand,
        own: OwnUser | None,
        outcome: Outcome,
        reason: str | None,
        block: int | None = None,
    ) -> None:
        metadata: dict[str, str] = {"provider": str(Provider.EMAIL)}
        if reason:
            metadata["reason"] = reason
        # A failed attempt is nobody's action, but it is about the account it targeted.
        actor_id = own.user.id if own and outcome is not Outcome.FAILURE else None
        target = own.user.id if own else None
        entries = [
            audit_entry(
                self._clock,
                "auth.login",
                command.context,
                actor_id=actor_id,
                resource_type="user",
                resource_id=target,
                outcome=outcome,
                metadata=metadata,
            )
        ]
        if block is not None:
            # Audited with each checked failure that blocks: the refused attempts during a
            # block cost the client no bcrypt, so they are only counted in metrics.
            entries.append(
                audit_entry(
                    self._clock,
                    "auth.login_throttled",
                    command.context,
                    actor_id=None,
                    resource_type="user",
                    resource_id=target,
                    outcome=Outcome.DENIED,
                    metadata={"retry_after": block},
                )
            )
        await record_alone(self._uow_factory(), *entries)


def _is_email(login: str) -> bool:
    return "@" in login


def _throttle_subject(login: str, password_hash: str | None) -> str:
    """What failures are counted under: the username or email as sent (trimmed and lower-cased,
    emails also normalized when valid, so that spellings of one address share a count) with the
    password it was tried against, so that a password reset starts a fresh count.

    An account's username and email are counted apart: counting them together would tell a
    guesser which email belongs to which (public) username, at the price of one more count.
    """
    try:
        name = normalize_email(login) if _is_email(login) else login.strip().lower()
    except ValidationError:
        name = login.strip().lower()
    return f"{name}\n{password_hash or ''}"
