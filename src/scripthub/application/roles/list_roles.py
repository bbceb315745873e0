"""List every role."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import ROLES_READ, Role


@dataclass(frozen=True)
class ListRolesQuery:
    actor: Actor
    context: RequestContext = RequestContext()


class ListRoles:
    """Every role with its permissions."""

    def __init__(self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer

    async def execute(self, query: ListRolesQuery) -> list[Role]:
        await self._authorizer.require(query.actor, ROLES_READ, query.context)
        async with self._uow_factory() as uow:
            return await uow.roles.list_roles()
