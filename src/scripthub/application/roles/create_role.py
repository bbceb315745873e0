"""Create a role."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import ROLES_MANAGE, Role, check_description, check_role_name


@dataclass(frozen=True)
class CreateRoleCommand:
    actor: Actor
    name: str
    description: str
    context: RequestContext = RequestContext()


class CreateRole:
    """A new, empty, non-system role."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._clock = clock

    async def execute(self, command: CreateRoleCommand) -> Role:
        await self._authorizer.require(command.actor, ROLES_MANAGE, command.context)
        role = Role(
            check_role_name(command.name),
            check_description(command.description),
            system=False,
            permissions=[],
        )
        async with self._uow_factory() as uow:
            if await uow.roles.get(role.name) is not None:
                raise ConflictError(f"A role named {role.name!r} already exists.")
            await uow.roles.add_role(role)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "role.created",
                    command.context,
                    actor_id=command.actor.user_id,
                    resource_type="role",
                    resource_id=role.name,
                )
            )
            await uow.commit()
        return role
