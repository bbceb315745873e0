"""Unlink one's script from its source."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.changing import script_change_entry
from scripthub.application.sources.owning import lost_script_error, owned_script, still_owned
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError


@dataclass(frozen=True)
class RemoveSourceCommand:
    principal: Principal
    script_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class RemoveSource:
    """Remove the source of the caller's own script and its queued syncs (audited
    `script.source_removed`); NotFoundError when it has none. A sync under way finishes,
    but finds its job gone and records nothing."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: RemoveSourceCommand) -> None:
        async with self.uow_factory() as uow:
            read = await owned_script(
                uow, self.authorizer, command.principal, command.script_id, command.context
            )
            script = await still_owned(uow, read, command.principal.user_id)
            if script is not None:
                source = await uow.sources.get(script.id)
                if source is None or not await uow.sources.remove(script.id):
                    raise NotFoundError("This script has no source.")
                await uow.audit.record(
                    script_change_entry(
                        self.clock,
                        "script.source_removed",
                        command.context,
                        command.principal,
                        script,
                        {"url": source.location.url},
                    )
                )
                await uow.commit()
                return
        raise await lost_script_error(
            self.uow_factory, self.authorizer, command.principal, command.script_id, command.context
        )
