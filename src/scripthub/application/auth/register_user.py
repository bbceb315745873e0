"""Sign up with an email and a password."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from scripthub.application.accounts import OwnUser
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import (
    EmailTakenError,
    FieldProblem,
    UsernameTakenError,
    ValidationError,
)
from scripthub.domain.passwords import check_password
from scripthub.domain.providers import Provider, ProviderLink
from scripthub.domain.roles import DEFAULT_ROLE
from scripthub.domain.users import Profile, User, check_profile, normalize_email, normalize_username

T = TypeVar("T")


@dataclass(frozen=True)
class RegisterUserCommand:
    email: str
    password: str
    username: str
    full_name: str | None = None
    context: RequestContext = RequestContext()


class RegisterUser:
    """Create an active account with the `user` role and the `email` sign-in method, and
    queue the mail that verifies its address (in the same transaction)."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        sessions: SessionStarter,
        token_mail: TokenMail,
        clock: Clock,
        common_passwords: Collection[str],
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._token_mail = token_mail
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, command: RegisterUserCommand) -> TokenPair:
        own = await self.create_account(command)
        return await self._sessions.start(own, command.context, Provider.EMAIL)

    def _validated(self, command: RegisterUserCommand, now: datetime) -> tuple[str, str, Profile]:
        """Every field's problems at once, named as the request names them."""
        problems: list[FieldProblem] = []

        def attempt(check: Callable[[], T]) -> T | None:
            try:
                return check()
            except ValidationError as error:
                problems.extend(error.problems)
                return None

        email = attempt(lambda: normalize_email(command.email))
        username = attempt(lambda: normalize_username(command.username))
        attempt(lambda: check_password(command.password, self._common_passwords))
        full_name = command.full_name.strip() if command.full_name else None
        profile = Profile(full_name=full_name or None)
        attempt(lambda: check_profile(profile, now.date()))
        if problems or email is None or username is None:
            raise ValidationError(
                [FieldProblem(p.field.removeprefix("profile."), p.message) for p in problems]
            )
        return email, username, profile

    async def create_account(
        self, command: RegisterUserCommand, *, verified: bool = False, actor: str = "self"
    ) -> OwnUser:
        """Validate, hash and store the account; `actor` tells the audit trail who did it."""
        now = self._clock.now()
        email, username, profile = self._validated(command, now)
        password_hash = await self._hasher.hash(command.password)
        user = User(
            id=uuid.uuid4(),
            email=email,
            username=username,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
            email_verified_at=now if verified else None,
            profile=profile,
        )
        async with self._uow as uow:
            if await uow.users.email_in_use(email):
                raise EmailTakenError("An account with this email already exists.")
            if await uow.users.username_in_use(username):
                raise UsernameTakenError("This username is taken.")
            await uow.users.add(user)
            await uow.provider_links.add(
                ProviderLink(uuid.uuid4(), user.id, Provider.EMAIL, str(user.id), email, now)
            )
            await uow.roles.assign(user.id, DEFAULT_ROLE)
            if not verified:
                await self._token_mail.queue(uow, user, TokenPurpose.VERIFY_EMAIL)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.registered",
                    command.context,
                    actor_id=user.id,
                    resource_type="user",
                    resource_id=user.id,
                    metadata={"by": actor},
                )
            )
            await uow.commit()
        return OwnUser(user, [DEFAULT_ROLE], [str(Provider.EMAIL)])
