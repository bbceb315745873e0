"""Create a permission (`resource.action`)."""

from __future__ import annotations

from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.role_command import RoleCommand
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import (
    SUPERUSER_ROLE,
    Permission,
    check_description,
    check_permission_name,
)


class CreatePermission:
    """Create a permission; the superuser role gets it at once, every other role by choice."""

    def __init__(self, uow: UnitOfWork, permission_cache: PermissionCache, clock: Clock) -> None:
        self._uow = uow
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, command: RoleCommand, name: str, description: str) -> Permission:
        permission = Permission(check_permission_name(name), check_description(description))
        async with self._uow as uow:
            if any(p.name == permission.name for p in await uow.roles.list_permissions()):
                raise ConflictError(f"A permission named {permission.name!r} already exists.")
            await uow.roles.add_permission(permission)
            superuser = await uow.roles.get(SUPERUSER_ROLE)
            if superuser is not None:
                await uow.roles.set_permissions(
                    SUPERUSER_ROLE, [*superuser.permissions, permission.name]
                )
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "permission.created",
                    command.context,
                    actor_id=command.principal.user_id,
                    resource_type="permission",
                    resource_id=permission.name,
                )
            )
            await uow.commit()
        await self._permission_cache.invalidate_everyone()
        return permission
