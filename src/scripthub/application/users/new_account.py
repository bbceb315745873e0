"""What signing up and an operator's account creation share: validating the fields, hashing
the password, and staging the account with its `email` sign-in method and default role."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from scripthub.application.ports.email_syntax import EmailSyntax
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.errors import (
    EmailTakenError,
    FieldProblem,
    Problems,
    UsernameTakenError,
    ValidationError,
)
from scripthub.domain.passwords import check_password
from scripthub.domain.providers import Provider, ProviderLink
from scripthub.domain.roles import DEFAULT_ROLE
from scripthub.domain.users import Profile, User, check_profile, normalize_email, normalize_username


@dataclass(frozen=True)
class AccountFields:
    email: str
    password: str
    username: str
    full_name: str | None = None


class NewAccounts:
    def __init__(
        self,
        hasher: PasswordHasher,
        clock: Clock,
        common_passwords: Collection[str],
        email_syntax: EmailSyntax,
    ) -> None:
        self._hasher = hasher
        self._clock = clock
        self._common_passwords = common_passwords
        self._email_syntax = email_syntax

    async def prepare(self, fields: AccountFields, *, verified: bool) -> User:
        """A new active user from the fields, every field's problems reported at once and
        named as the request names them. Hashes the password: call it outside a transaction."""
        now = self._clock.now()
        problems = Problems()
        email = problems.check(lambda: self._email_syntax.canonical(normalize_email(fields.email)))
        username = problems.check(lambda: normalize_username(fields.username))
        problems.check(lambda: check_password(fields.password, self._common_passwords))
        full_name = fields.full_name.strip() if fields.full_name else None
        profile = Profile(full_name=full_name or None)
        problems.check(lambda: check_profile(profile, now.date()))
        if problems.found or email is None or username is None:
            raise ValidationError(
                [FieldProblem(p.field.removeprefix("profile."), p.message) for p in problems.found]
            )
        return User(
            id=uuid.uuid4(),
            email=email,
            username=username,
            password_hash=await self._hasher.hash(fields.password),
            created_at=now,
            updated_at=now,
            email_verified_at=now if verified else None,
            profile=profile,
        )

    @staticmethod
    async def stage(uow: UnitOfWork, user: User) -> None:
        """Stage the account with the `email` sign-in method and the default role; refuse an
        email or username a live account holds."""
        if await uow.users.email_in_use(user.email):
            raise EmailTakenError("An account with this email already exists.")
        if await uow.users.username_in_use(user.username, now=user.created_at):
            raise UsernameTakenError("This username is taken.")
        await uow.users.add(user)
        await uow.provider_links.add(
            ProviderLink(
                uuid.uuid4(), user.id, Provider.EMAIL, str(user.id), user.email, user.created_at
            )
        )
        await uow.roles.assign(user.id, DEFAULT_ROLE)
