"""Create a role."""

from __future__ import annotations

from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.role_command import RoleCommand
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import Role, check_description, check_role_name


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
