"""Repositories over the relational store. They never commit: the unit of work does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scripthub.domain.audit import AuditEntry, Outcome
from scripthub.domain.email_tokens import EmailToken, TokenPurpose
from scripthub.domain.providers import ProviderLink
from scripthub.domain.roles import Grants, Permission, Role
from scripthub.domain.users import AccountStatus, User


@dataclass(frozen=True)
class Keyset:
    """Where a page ended: lists are ordered newest first by (`at`, `id`), both descending,
    and the next page holds the rows strictly after this one in that order."""

    at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class UserQuery:
    text: str | None = None
    """Case-insensitive substring of the email or the username."""
    status: AccountStatus | None = None
    after: Keyset | None = None
    limit: int = 20


@dataclass(frozen=True)
class AuditQuery:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    """Inclusive lower bound on `occurred_at`."""
    until: datetime | None = None
    """Exclusive upper bound on `occurred_at`."""
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


class ProviderLinkRepository(Protocol):
    """The ways each account can sign in (`email`, and linked OAuth identities)."""

    async def add(self, link: ProviderLink) -> None:
        """Stage a link; ConflictError if the identity is linked already."""

    async def list_for_user(self, user_id: uuid.UUID) -> list[ProviderLink]:
        """The user's links, oldest first."""

    async def providers_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        """Sorted provider names of each given user (every id is a key); one query."""


class RoleRepository(Protocol):
    """Roles, permissions and who holds which role."""

    async def get(self, name: str) -> Role | None:
        """The role with its permission names, sorted."""

    async def list_roles(self) -> list[Role]:
        """Every role with its permission names, sorted by name; a fixed number of queries."""

    async def add_role(self, role: Role) -> None:
        """Stage a new role (its `permissions` are ignored: use `set_permissions`).
        Raises ConflictError if the name is taken."""

    async def delete_role(self, name: str) -> None:
        """Remove the role, its grants to users and its permissions. NotFoundError if none."""

    async def set_permissions(self, role: str, permissions: list[str]) -> None:
        """Replace the role's permissions. NotFoundError if the role or a permission is unknown
        (the message names the first unknown permission)."""

    async def list_permissions(self) -> list[Permission]:
        """Every permission, sorted by name."""

    async def add_permission(self, permission: Permission) -> None:
        """Stage a new permission. Raises ConflictError if the name is taken."""

    async def count_active_holders(self, permission: str) -> int:
        """How many active (not suspended, not deleted) users hold `permission` through any
        role, counting what this transaction has staged.

        Concurrent transactions that call this are serialised until they end, so two changes
        that each leave one holder cannot both commit and leave none (no write skew)."""

    async def roles_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        """Sorted role names of each given user (every id is a key); one query."""

    async def roles_of(self, user_id: uuid.UUID) -> list[str]:
        """Role names held by the user, sorted."""

    async def grants_of(self, user_id: uuid.UUID) -> Grants:
        """The user's roles and the union of their permissions, in one query."""

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        """Give the role; False if the user already held it."""

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        """Take the role away; False if the user did not hold it."""


class EmailTokenRepository(Protocol):
    """Hashes of mailed tokens; the tokens themselves are never stored."""

    async def add(self, token: EmailToken) -> None: ...

    async def find(self, token_hash: str, purpose: TokenPurpose) -> EmailToken | None:
        """The token with this hash and purpose, used or not, expired or not."""

    async def consume(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Mark it used if it is not yet; False if it already was (single use under races)."""

    async def revoke_unused(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> int:
        """Mark every unused token of the user and purpose used; how many were."""


class AuditLog(Protocol):
    """The append-only audit trail."""

    async def record(self, entry: AuditEntry) -> None:
        """Stage an entry; it commits (or not) together with the change it describes."""

    async def search(self, query: AuditQuery) -> list[AuditEntry]:
        """At most `query.limit` entries matching every given filter, newest first by
        (`occurred_at`, `id`), after `query.after`; one query on an index."""
