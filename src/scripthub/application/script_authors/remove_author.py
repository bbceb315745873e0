"""Remove a co-author from one's script, or leave a script one co-authors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.script_authors.managing import (
    author_entry,
    hold_script,
    visible_script,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class RemoveAuthorCommand:
    principal: Principal
    script_id: uuid.UUID
    user_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class RemoveAuthor:
    """The owner removes a co-author, or a co-author leaves (`user_id` their own): audited
    `script.author_removed` (`metadata.left` true when they left). Their pending offer of
    ownership, and any pending invitation of theirs to the script, are revoked with it; they
    stop publishing at once (their tokens limited to the script too): a publication of
    theirs that has not locked the script yet finds them gone.

    The owner's own id is a ConflictError (the owner leaves by transferring the script
    first); ForbiddenError (audited) for anyone else removing someone; NotFoundError for a
    user who neither co-authors the script nor holds a pending invitation to it (the owner
    revokes such an invitation the same way, audited `script.invitation_revoked`).
    """

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: RemoveAuthorCommand) -> None:
        principal = command.principal
        leaving = principal.user_id == command.user_id
        denied: Script | None = None
        async with self.uow_factory() as uow:
            script = await visible_script(uow, principal, command.script_id)
            if not leaving:
                await self.authorizer.require_owner(
                    principal,
                    script.owner_id,
                    command.context,
                    resource_type="script",
                    resource_id=script.id,
                )
            script = await hold_script(uow, principal, script.id)
            if not leaving and script.owner_id != principal.user_id:
                denied = script  # transferred meanwhile
            elif command.user_id == script.owner_id:
                raise ConflictError("The owner cannot leave the script: transfer it first.")
            else:
                now = self.clock.now()
                removed = await uow.script_authors.remove_author(script.id, command.user_id)
                revoked = await uow.script_authors.revoke_pending(
                    script.id, now, user_id=command.user_id
                )
                if not removed and not revoked:
                    raise NotFoundError("This user does not co-author this script.")
                action = "script.author_removed" if removed else "script.invitation_revoked"
                metadata: dict[str, object] = {"user_id": str(command.user_id)}
                if removed:
                    metadata["left"] = leaving
                await uow.audit.record(
                    author_entry(self.clock, action, command.context, principal, script, metadata)
                )
                await uow.commit()
                return
        if denied is None:  # pragma: no cover - the block returns otherwise
            raise NotFoundError("Script not found.")
        await self.authorizer.require_owner(
            principal,
            denied.owner_id,
            command.context,
            resource_type="script",
            resource_id=denied.id,
        )
