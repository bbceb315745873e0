"""Take back one's rating of a script."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.domain.errors import NotFoundError


@dataclass(frozen=True)
class UnrateScriptCommand:
    principal: Principal
    script_id: uuid.UUID


class UnrateScript:
    """Remove the caller's score from a script they may see. Idempotent: a user who had not
    rated it (its owner included) succeeds too, changing nothing. Not audited, like
    `RateScript`."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, command: UnrateScriptCommand) -> None:
        async with self._uow_factory() as uow:
            user_id = command.principal.user_id
            script = await load_visible_script(uow, str(command.script_id), command.principal)
            if await uow.scripts.unrate(script.id, user_id) is None:
                raise NotFoundError("Script not found.")
            await uow.commit()
