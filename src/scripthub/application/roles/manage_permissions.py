"""List and create permissions (`resource.action`)."""

from __future__ import annotations

from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.manage_roles import RoleCommand
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import Permission, check_description, check_permission_name


class ListPermissions:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[Permission]:
        async with self._uow as uow:
            return await uow.roles.list_permissions()


class CreatePermission:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RoleCommand, name: str, description: str) -> Permission:
        permission = Permission(check_permission_name(name), check_description(description))
        async with self._uow as uow:
            if any(p.name == permission.name for p in await uow.roles.list_permissions()):
                raise ConflictError(f"A permission named {permission.name!r} already exists.")
            await uow.roles.add_permission(permission)
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
        return permission
