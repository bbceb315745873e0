"""End the current session, or every session of the user."""

from __future__ import annotations

import uuid

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import AuditEntry, RequestContext


class LogOut:
    """End the session the request was made with (`everywhere=False`) or all of them."""

    def __init__(self, uow: UnitOfWork, session_store: SessionStore, clock: Clock) -> None:
        self._uow = uow
        self._session_store = session_store
        self._clock = clock

    async def execute(
        self, principal: Principal, context: RequestContext, *, everywhere: bool = False
    ) -> None:
        if everywhere:
            ended = await self._session_store.revoke_all(principal.user_id)
        else:
            ended = int(await self._session_store.revoke(principal.session_id))
        entry = logout_entry(
            self._clock, principal, context, None if everywhere else principal.session_id, ended
        )
        await record_alone(self._uow, entry)


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
