"""End one of the user's own sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import record_alone
from scripthub.application.auth.log_out import logout_entry
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError


@dataclass(frozen=True)
class EndSessionCommand:
    principal: Principal
    session_id: uuid.UUID
    context: RequestContext = RequestContext()


class EndSession:
    """End one of the caller's own sessions; anybody else's is simply not found."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, session_store: SessionStore, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._session_store = session_store
        self._clock = clock

    async def execute(self, command: EndSessionCommand) -> None:
        session = await self._session_store.get(command.session_id, self._clock.now())
        principal = command.principal
        # One of an epoch the account has left has ended already, as the listing shows.
        if (
            session is None
            or session.user_id != principal.user_id
            or session.epoch < principal.session_epoch
        ):
            raise NotFoundError("Session not found.")
        ended = int(await self._session_store.revoke(command.session_id))
        entry = logout_entry(
            self._clock, command.principal, command.context, command.session_id, ended
        )
        await record_alone(self._uow_factory(), entry)
