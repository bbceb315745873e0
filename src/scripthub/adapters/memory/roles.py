"""Roles, permissions and role assignments in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from scripthub.domain.errors import NotFoundError
from scripthub.domain.roles import Grants, Permission, Role

if TYPE_CHECKING:
    import uuid

    from scripthub.adapters.memory.database import InMemoryDatabase


class InMemoryRoleRepository:
    """`RoleRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def get(self, name: str) -> Role | None:
        return copy.deepcopy(self._database.roles.get(name))

    async def list_permissions(self) -> list[Permission]:
        return sorted(self._database.permissions.values(), key=lambda permission: permission.name)

    async def roles_of(self, user_id: uuid.UUID) -> list[str]:
        return sorted(self._database.user_roles.get(user_id, set()))

    async def grants_of(self, user_id: uuid.UUID) -> Grants:
        names = frozenset(self._database.user_roles.get(user_id, set()))
        permissions = frozenset(
            permission
            for name in names
            if (role := self._database.roles.get(name)) is not None
            for permission in role.permissions
        )
        return Grants(roles=names, permissions=permissions)

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        # The foreign keys of user_roles, as SQL would enforce them.
        if user_id not in self._database.users:
            raise NotFoundError(f"user {user_id} does not exist")
        if role not in self._database.roles:
            raise NotFoundError(f"role {role!r} does not exist")
        held = self._database.user_roles.setdefault(user_id, set())
        if role in held:
            return False
        held.add(role)
        return True

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        held = self._database.user_roles.get(user_id, set())
        if role not in held:
            return False
        held.remove(role)
        return True
