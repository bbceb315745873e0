"""Roles, permissions and role assignments in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from scripthub.application.ports.permission_cache import AccountAccess
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.roles import Grants, Permission, Role
from scripthub.domain.users import AccountStatus

if TYPE_CHECKING:
    import uuid

    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryRoleRepository:
    """`RoleRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def get(self, name: str) -> Role | None:
        return copy.deepcopy(self._database.roles.get(name))

    async def list_roles(self) -> list[Role]:
        return copy.deepcopy(sorted(self._database.roles.values(), key=lambda role: role.name))

    async def add_role(self, role: Role) -> None:
        await self._writing()
        if role.name in self._database.roles:
            raise ConflictError(f"role {role.name!r} already exists")
        self._database.roles[role.name] = Role(role.name, role.description, role.system, [])

    async def delete_role(self, name: str) -> None:
        await self._writing()
        self._role(name)
        del self._database.roles[name]
        for held in self._database.user_roles.values():
            held.discard(name)

    async def set_permissions(self, role: str, permissions: list[str]) -> None:
        await self._writing()
        found = self._role(role)
        wanted = sorted(set(permissions))
        for name in wanted:
            if name not in self._database.permissions:
                raise NotFoundError(f"permission {name!r} does not exist")
        found.permissions = wanted

    async def list_permissions(self) -> list[Permission]:
        return sorted(self._database.permissions.values(), key=lambda permission: permission.name)

    async def add_permission(self, permission: Permission) -> None:
        await self._writing()
        if permission.name in self._database.permissions:
            raise ConflictError(f"permission {permission.name!r} already exists")
        self._database.permissions[permission.name] = permission

    async def count_active_holders(self, permission: str) -> int:
        # Serialised as the port promises: the writer lock is held until the unit of work
        # ends, and the count sees what earlier holders of it committed.
        await self._writing()
        granting = {
            role.name for role in self._database.roles.values() if permission in role.permissions
        }
        return sum(
            1
            for user_id, held in self._database.user_roles.items()
            if held & granting and self._is_active(user_id)
        )

    async def roles_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        return {user_id: await self.roles_of(user_id) for user_id in user_ids}

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

    async def access_of(self, user_id: uuid.UUID) -> AccountAccess | None:
        user = self._database.users.get(user_id)
        if user is None:
            return None
        return AccountAccess(await self.grants_of(user_id), user.session_epoch)

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        await self._writing()
        # The foreign keys of user_roles, as SQL would enforce them.
        if user_id not in self._database.users:
            raise NotFoundError(f"user {user_id} does not exist")
        self._role(role)
        held = self._database.user_roles.setdefault(user_id, set())
        if role in held:
            return False
        held.add(role)
        return True

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        await self._writing()
        held = self._database.user_roles.get(user_id, set())
        if role not in held:
            return False
        held.remove(role)
        return True

    def _role(self, name: str) -> Role:
        role = self._database.roles.get(name)
        if role is None:
            raise NotFoundError(f"role {name!r} does not exist")
        return role

    def _is_active(self, user_id: uuid.UUID) -> bool:
        user = self._database.users.get(user_id)
        return user is not None and user.account_status is AccountStatus.ACTIVE
