"""Create a permission (`resource.action`)."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import (
    ROLES_MANAGE,
    SUPERUSER_ROLE,
    Permission,
    check_description,
    check_permission_name,
)


@dataclass(frozen=True)
class CreatePermissionCommand:
    actor: Actor
    name: str
    description: str
    context: RequestContext = RequestContext()


class CreatePermission:
    """Create a permission; the superuser role gets it at once, every other role by choice."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        permission_cache: PermissionCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, command: CreatePermissionCommand) -> Permission:
        await self._authorizer.require(command.actor, ROLES_MANAGE, command.context)
        permission = Permission(
            check_permission_name(command.name), check_description(command.description)
        )
        async with self._uow_factory() as uow:
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
                    actor_id=command.actor.user_id,
                    resource_type="permission",
                    resource_id=permission.name,
                )
            )
            await uow.commit()
        await self._permission_cache.invalidate_everyone()
        return permission
