"""Sync one's script from its source now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.sources import SyncJob, SyncTrigger
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.sources.owning import lost_script_error, owned_script, still_owned
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError


@dataclass(frozen=True)
class RequestSyncCommand:
    principal: Principal
    script_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class RequestSync:
    """Queue a sync of the caller's own script (any sync mode); its id. The sync runs as a
    durable job (`RunSourceSyncs`), after any other of the same source; NotFoundError when
    the script has no source."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: RequestSyncCommand) -> uuid.UUID:
        async with self.uow_factory() as uow:
            read = await owned_script(
                uow, self.authorizer, command.principal, command.script_id, command.context
            )
            script = await still_owned(uow, read, command.principal.user_id)
            if script is not None:
                job = SyncJob(uuid.uuid4(), script.id, SyncTrigger.MANUAL, self.clock.now())
                if not await uow.sources.add_sync(job):
                    raise NotFoundError("This script has no source.")
                await uow.commit()
                return job.id
        raise await lost_script_error(
            self.uow_factory, self.authorizer, command.principal, command.script_id, command.context
        )
