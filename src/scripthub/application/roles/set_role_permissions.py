"""Set what a role may do."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.roles.lookup import existing_role
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, ValidationError
from scripthub.domain.roles import ROLES_MANAGE, SUPERUSER_ROLE, Role


@dataclass(frozen=True)
class SetRolePermissionsCommand:
    actor: Actor
    role: str
    permissions: list[str]
    context: RequestContext = RequestContext()


class SetRolePermissions:
    """Replace a role's permissions; applies to every holder on their next request."""

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

    async def execute(self, command: SetRolePermissionsCommand) -> Role:
        await self._authorizer.require(command.actor, ROLES_MANAGE, command.context)
        name = command.role
        wanted = sorted(set(command.permissions))
        if name == SUPERUSER_ROLE:
            raise ConflictError(f"{name!r} holds every permission; its permissions cannot change.")
        async with self._uow_factory() as uow:
            role = await existing_role(uow, name)
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
                    actor_id=command.actor.user_id,
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
