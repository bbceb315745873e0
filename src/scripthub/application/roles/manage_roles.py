"""List, create and delete roles, and set what a role may do."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.principal import Principal
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError, ValidationError
from scripthub.domain.roles import (
    SUPERUSER_ROLE,
    Role,
    check_description,
    check_role_name,
    is_role_name,
)


@dataclass(frozen=True)
class RoleCommand:
    principal: Principal
    context: RequestContext


class ListRoles:
    """Every role with its permissions."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[Role]:
        async with self._uow as uow:
            return await uow.roles.list_roles()


class CreateRole:
    """A new, empty, non-system role."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RoleCommand, name: str, description: str) -> Role:
        role = Role(
            check_role_name(name), check_description(description), system=False, permissions=[]
        )
        async with self._uow as uow:
            if await uow.roles.get(role.name) is not None:
                raise ConflictError(f"A role named {role.name!r} already exists.")
            await uow.roles.add_role(role)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "role.created",
                    command.context,
                    actor_id=command.principal.user_id,
                    resource_type="role",
                    resource_id=role.name,
                )
            )
            await uow.commit()
        return role


class SetRolePermissions:
    """Replace a role's permissions; applies to every holder on their next request."""

    def __init__(self, uow: UnitOfWork, permission_cache: PermissionCache, clock: Clock) -> None:
        self._uow = uow
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, command: RoleCommand, name: str, permissions: list[str]) -> Role:
        wanted = sorted(set(permissions))
        if name == SUPERUSER_ROLE:
            raise ConflictError(f"{name!r} holds every permission; its permissions cannot change.")
        async with self._uow as uow:
            role = await _existing_role(uow, name)
            known = {p.name for p in await uow.roles.list_permissions()}
            unknown = [p for p in wanted if p not in known]
            if unknown:
                raise ValidationError.single(
                    "permissions", f"unknown permission(s): {', '.join(unknown)}"
                )
            await keeping_roles_manageable(uow, lambda: uow.roles.set_permissions(name, wanted))
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "role.permissions_changed",
                    command.context,
                    actor_id=command.principal.user_id,
                    resource_type="role",
                    resource_id=name,
                    metadata={
                        "added": sorted(set(wanted) - set(role.permissions)),
                        "removed": sorted(set(role.permissions) - set(wanted)),
                    },
                )
            )
            await uow.commit()
        await self._permission_cache.invalidate_everyone()
        return Role(role.name, role.description, role.system, wanted)


class DeleteRole:
    """Delete a role that is not a system role; its holders lose it on their next request."""

    def __init__(self, uow: UnitOfWork, permission_cache: PermissionCache, clock: Clock) -> None:
        self._uow = uow
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, command: RoleCommand, name: str) -> None:
        async with self._uow as uow:
            role = await _existing_role(uow, name)
            if role.system:
                raise ConflictError(f"{name!r} is a system role and cannot be deleted.")
            await keeping_roles_manageable(uow, lambda: uow.roles.delete_role(name))
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "role.deleted",
                    command.context,
                    actor_id=command.principal.user_id,
                    resource_type="role",
                    resource_id=name,
                )
            )
            await uow.commit()
        await self._permission_cache.invalidate_everyone()


async def _existing_role(uow: UnitOfWork, name: str) -> Role:
    role = await uow.roles.get(name) if is_role_name(name) else None
    if role is None:
        raise NotFoundError(f"No role named {name!r}.")
    return role
