"""The open invitations of the caller, or of one's script."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.script_authors.managing import owned_script
from scripthub.domain.audit import RequestContext
from scripthub.domain.script_authors import Invitation


@dataclass(frozen=True)
class ListOwnInvitationsQuery:
    principal: Principal


@dataclass(frozen=True)
class ListOwnInvitations:
    """The caller's invitations and offers that may still be accepted (pending, not
    expired, to live scripts), newest first."""

    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def execute(self, query: ListOwnInvitationsQuery) -> list[Invitation]:
        async with self.uow_factory() as uow:
            return await uow.script_authors.pending_for_user(
                query.principal.user_id, self.clock.now()
            )


@dataclass(frozen=True)
class ListScriptInvitationsQuery:
    principal: Principal
    script_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class ListScriptInvitations:
    """The owner's view of their script's open invitations and offers, newest first
    (ForbiddenError, audited, for anyone else)."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, query: ListScriptInvitationsQuery) -> list[Invitation]:
        async with self.uow_factory() as uow:
            script = await owned_script(
                uow, self.authorizer, query.principal, query.script_id, query.context
            )
            return await uow.script_authors.pending_for_script(script.id, self.clock.now())
