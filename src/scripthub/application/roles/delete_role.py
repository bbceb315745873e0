"""Delete a role."""

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
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import ROLES_MANAGE


@dataclass(frozen=True)
class DeleteRoleCommand:
    actor: Actor
    role: str
    context: RequestContext = RequestContext()


class DeleteRole:
    """Delete a role that is not a system role; its holders lose it on their next request."""

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

    async def execute(self, command: DeleteRoleCommand) -> None:
        await self._authorizer.require(command.actor, ROLES_MANAGE, command.context)
        name = command.role
        async with self._uow_factory() as uow:
            role = await existing_role(uow, name)
            if role.system:
                raise ConflictError(f"{name!r} is a system role and cannot be deleted.")
            await keeping_roles_manageable(uow, lambda: uow.roles.delete_role(name))
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "role.deleted",
                    command.context,
                    actor_id=command.actor.user_id,
                    resource_type="role",
                    resource_id=name,
                )
            )
            await uow.commit()
        await self._permission_cache.invalidate_everyone()
