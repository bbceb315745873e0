"""End the current session, or every session of the user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import AuditEntry, RequestContext


@dataclass(frozen=True)
class LogOutCommand:
    principal: Principal
    context: RequestContext = RequestContext()
    everywhere: bool = False
    """End every session of the user, not only the one the request was made with."""


class LogOut:
    """End the session the request was made with, or all of them."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, session_store: SessionStore, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._session_store = session_store
        self._clock = clock

    async def execute(self, command: LogOutCommand) -> None:
        principal = command.principal
        if command.everywhere:
            ended = await self._session_store.revoke_all(principal.user_id)
            session_id = None
        else:
            ended = int(await self._session_store.revoke(principal.session_id))
            session_id = principal.session_id
        entry = logout_entry(self._clock, principal, command.context, session_id, ended)
        await record_alone(self._uow_factory(), entry)


def logout_entry(
    clock: Clock,
    principal: Principal,
    context: RequestContext,
    session_id: uuid.UUID | None,
    sessions_ended: int,
) -> AuditEntry:
    """`auth.logout` for one session (`session_id`) or for all of them (None)."""
    return audit_entry(
        clock,
        "auth.logout",
        context,
        actor_id=principal.user_id,
        resource_type="session",
        resource_id=session_id,
        metadata={"all_sessions": session_id is None, "sessions_ended": sessions_ended},
    )
