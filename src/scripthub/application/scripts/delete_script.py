"""Delete a script (softly: it and its slug are gone from every route)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import cache_names
from scripthub.application.scripts.changing import load_script_to_change, script_change_entry
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.roles import SCRIPTS_DELETE_ANY
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class DeleteScriptCommand:
    actor: Actor
    script_id: uuid.UUID
    context: RequestContext = RequestContext()


class DeleteScript:
    """The owner, or a holder of `scripts.delete_any`, deletes a live script: audited as
    `script.deleted`. Of two concurrent deletions one succeeds; the other is a NotFoundError,
    as is any later request for the script. Its versions and ratings stay in the store.

    Allowed as the owner, the deletion is guarded on their owning the script still: one whose
    offer of it was accepted meanwhile co-authors it and deletes nothing (ForbiddenError,
    audited)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        latest_code: LatestCodeCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._latest_code = latest_code
        self._clock = clock

    async def execute(self, command: DeleteScriptCommand) -> None:
        denied: Script | None = None
        async with self._uow_factory() as uow:
            script = await load_script_to_change(
                uow,
                self._authorizer,
                command.actor,
                command.script_id,
                SCRIPTS_DELETE_ANY,
                command.context,
            )
            as_owner = not command.actor.may(SCRIPTS_DELETE_ANY.name)
            owner_id = command.actor.user_id if as_owner else None
            if not await uow.scripts.delete(script.id, self._clock.now(), owner_id=owner_id):
                denied = await uow.scripts.get(script.id) if as_owner else None
                if denied is None:
                    raise NotFoundError("Script not found.")
            else:
                await uow.audit.record(
                    script_change_entry(
                        self._clock, "script.deleted", command.context, command.actor, script
                    )
                )
                await uow.commit()
        if denied is not None:  # audited once the transaction let the script go
            await self._authorizer.require_owner_or(
                command.actor,
                denied.owner_id,
                SCRIPTS_DELETE_ANY,
                command.context,
                resource_type="script",
                resource_id=denied.id,
            )
            raise NotFoundError("Script not found.")  # pragma: no cover - denied above
        await self._latest_code.changed(cache_names(script))
