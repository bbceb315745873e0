"""A user's view of their own sessions."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.domain.sessions import Session


@dataclass(frozen=True)
class ListSessionsQuery:
    principal: Principal


@dataclass(frozen=True)
class SessionView:
    session: Session
    current: bool


class ListSessions:
    """The caller's live sessions, newest first, the current one marked; none of an epoch
    the account has left, whatever the store still holds."""

    def __init__(self, session_store: SessionStore, clock: Clock) -> None:
        self._session_store = session_store
        self._clock = clock

    async def execute(self, query: ListSessionsQuery) -> list[SessionView]:
        principal = query.principal
        sessions = await self._session_store.list_for_user(principal.user_id, self._clock.now())
        return [
            SessionView(s, s.id == principal.session_id)
            for s in sessions
            if s.epoch >= principal.session_epoch
        ]
