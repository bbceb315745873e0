"""Feature a script in the catalogue, or stop featuring it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.changing import script_change_entry
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.roles import SCRIPTS_FEATURED
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class FeatureScriptCommand:
    actor: Actor
    script_id: uuid.UUID
    featured: bool
    context: RequestContext = RequestContext()


class FeatureScript:
    """Needs `scripts.featured`, also on one's own script. Audited as `script.featured` with
    `metadata.featured` when the flag changes; setting it to what it is changes nothing.
    Not an edit: `updated_at` stays."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._clock = clock

    async def execute(self, command: FeatureScriptCommand) -> Script:
        async with self._uow_factory() as uow:
            script = await load_visible_script(uow, str(command.script_id), command.actor)
            await self._authorizer.require(
                command.actor,
                SCRIPTS_FEATURED,
                command.context,
                resource_type="script",
                resource_id=script.id,
            )
            if script.featured == command.featured:
                return script
            changed = await uow.scripts.set_featured(script.id, featured=command.featured)
            if changed is None:
                raise NotFoundError("Script not found.")
            await uow.audit.record(
                script_change_entry(
                    self._clock,
                    "script.featured",
                    command.context,
                    command.actor,
                    script,
                    {"featured": command.featured},
                )
            )
            await uow.commit()
        return changed
