"""End one of the user's own sessions."""

from __future__ import annotations

import uuid

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import record_alone
from scripthub.application.auth.log_out import logout_entry
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError


class EndSession:
    """End one of the caller's own sessions; anybody else's is simply not found."""

    def __init__(self, uow: UnitOfWork, session_store: SessionStore, clock: Clock) -> None:
        self._uow = uow
        self._session_store = session_store
        self._clock = clock

    async def execute(
        self, principal: Principal, session_id: uuid.UUID, context: RequestContext
    ) -> None:
        session = await self._session_store.get(session_id, self._clock.now())
        if session is None or session.user_id != principal.user_id:
            raise NotFoundError("Session not found.")
        ended = int(await self._session_store.revoke(session_id))
        await record_alone(
            self._uow, logout_entry(self._clock, principal, context, session_id, ended)
        )
