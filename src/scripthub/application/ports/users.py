"""Accounts with their profiles, in the relational store. Repositories never commit: the
unit of work does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.users import AccountStatus, User


@dataclass(frozen=True)
class UserQuery:
    text: str | None = None
    """Case-insensitive substring of the email or the username."""
    status: AccountStatus | None = None
    after: Keyset | None = None
    limit: int = 20


class UserRepository(Protocol):
    """Accounts with their profiles."""

    async def add(self, user: User) -> None:
        """Stage a new user with its profile.

        Raises EmailTakenError / UsernameTakenError if a live account already holds either,
        at the latest when the unit of work commits.
        """

    async def get(self, user_id: uuid.UUID) -> User | None:
        """Any user by id, whatever its status."""

    async def get_by_email(self, email: str) -> User | None:
        """The live (not deleted) account with this normalized email."""

    async def get_by_username(self, username: str) -> User | None:
        """The live (not deleted) account with this normalized username."""

    async def email_in_use(self, email: str) -> bool: ...

    async def username_in_use(
        self, username: str, *, excluding: uuid.UUID | None = None
    ) -> bool: ...

    async def save(self, user: User) -> None:
        """Stage changes to an existing user and its profile."""

    async def search(self, query: UserQuery) -> list[User]:
        """At most `query.limit` users of any status (deleted too, unless `status` says
        otherwise), newest first by (`created_at`, `id`), after `query.after`; one query."""
