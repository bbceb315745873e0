"""Roles, permissions and their holders, in the relational store."""

from __future__ import annotations

import uuid
from typing import Protocol

from scripthub.application.ports.permission_cache import AccountAccess
from scripthub.domain.roles import Grants, Permission, Role


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

    async def access_of(self, user_id: uuid.UUID) -> AccountAccess | None:
        """`grants_of` with the account's `session_epoch`, in one query; None if there is
        no such account."""

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        """Give the role; False if the user already held it."""

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        """Take the role away; False if the user did not hold it."""
