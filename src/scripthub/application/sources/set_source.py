"""Link one's script to a source."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.changing import script_change_entry
from scripthub.application.sources.fetching import SourceFiles
from scripthub.application.sources.owning import lost_script_error, owned_script, still_owned
from scripthub.domain.audit import RequestContext
from scripthub.domain.sources import Source, SyncMode, parse_source_url


@dataclass(frozen=True)
class SetSourceCommand:
    principal: Principal
    script_id: uuid.UUID
    url: str
    sync: SyncMode
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class SetSource:
    """Set (or replace) the source of the caller's own script, audited `script.source_set`.

    The URL is read first (ValidationError), the script checked as `owned_script` does, then
    the file fetched once, outside any transaction (SourceUnreachableError, 422): a source
    that cannot be fetched now is refused rather than left to fail later. Nothing is
    published here: the first sync does that."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    files: SourceFiles
    clock: Clock
    allow_http: bool = False
    """Outside production: http:// URLs of files too."""

    async def execute(self, command: SetSourceCommand) -> Source:
        location = parse_source_url(command.url, command.sync, allow_http=self.allow_http)
        async with self.uow_factory() as uow:
            await owned_script(
                uow, self.authorizer, command.principal, command.script_id, command.context
            )
        await self.files.fetch(location)
        async with self.uow_factory() as uow:
            read = await owned_script(
                uow, self.authorizer, command.principal, command.script_id, command.context
            )
            script = await still_owned(uow, read, command.principal.user_id)
            if script is not None:
                source = await uow.sources.put(script.id, location, command.sync, self.clock.now())
                await uow.audit.record(
                    script_change_entry(
                        self.clock,
                        "script.source_set",
                        command.context,
                        command.principal,
                        script,
                        {"url": location.url, "sync": str(command.sync)},
                    )
                )
                await uow.commit()
                return source
        raise await lost_script_error(
            self.uow_factory, self.authorizer, command.principal, command.script_id, command.context
        )
