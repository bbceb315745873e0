"""List every permission."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import ROLES_READ, Permission


@dataclass(frozen=True)
class ListPermissionsQuery:
    actor: Actor
    context: RequestContext = RequestContext()


class ListPermissions:
    """Every permission, sorted by name."""

    def __init__(self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer

    async def execute(self, query: ListPermissionsQuery) -> list[Permission]:
        await self._authorizer.require(query.actor, ROLES_READ, query.context)
        async with self._uow_factory() as uow:
            return await uow.roles.list_permissions()
