"""Repositories over the relational store. They never commit: the unit of work does."""

from __future__ import annotations

import uuid
from typing import Protocol

from scripthub.domain.audit import AuditEntry
from scripthub.domain.providers import ProviderLink
from scripthub.domain.roles import Grants, Permission, Role
from scripthub.domain.users import User


class UserRepository(Protocol):
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


class ProviderLinkRepository(Protocol):
    async def add(self, link: ProviderLink) -> None: ...

    async def list_for_user(self, user_id: uuid.UUID) -> list[ProviderLink]: ...


class RoleRepository(Protocol):
    async def get(self, name: str) -> Role | None: ...

    async def list_permissions(self) -> list[Permission]: ...

    async def roles_of(self, user_id: uuid.UUID) -> list[str]:
        """Role names held by the user, sorted."""

    async def grants_of(self, user_id: uuid.UUID) -> Grants:
        """The user's roles and the union of their permissions, in one query."""

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        """Give the role; False if the user already held it."""

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        """Take the role away; False if the user did not hold it."""


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None:
        """Stage an entry; it commits (or not) together with the change it describes."""
