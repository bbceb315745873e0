"""List every role."""

from __future__ import annotations

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.roles import Role


class ListRoles:
    """Every role with its permissions."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[Role]:
        async with self._uow as uow:
            return await uow.roles.list_roles()
