"""Read the source of one's script."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.sources.owning import owned_script
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.sources import Source


@dataclass(frozen=True)
class GetSourceQuery:
    principal: Principal
    script_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class GetSource:
    """The source of the caller's own script, with its last sync; NotFoundError when it has
    none."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer

    async def execute(self, query: GetSourceQuery) -> Source:
        async with self.uow_factory() as uow:
            script = await owned_script(
                uow, self.authorizer, query.principal, query.script_id, query.context
            )
            source = await uow.sources.get(script.id)
        if source is None:
            raise NotFoundError("This script has no source.")
        return source
