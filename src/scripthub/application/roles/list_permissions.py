"""List every permission."""

from __future__ import annotations

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.roles import Permission


class ListPermissions:
    """Every permission, sorted by name."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[Permission]:
        async with self._uow as uow:
            return await uow.roles.list_permissions()
