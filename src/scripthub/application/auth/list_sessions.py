"""A user's view of their own sessions."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.auth.principal import Principal
from scripthub.application.ports.system import Clock
from scripthub.application.ports.token_store import TokenStore
from scripthub.domain.sessions import Session


@dataclass(frozen=True)
class SessionView:
    session: Session
    current: bool


class ListSessions:
    """The caller's live sessions, newest first, the current one marked."""

    def __init__(self, token_store: TokenStore, clock: Clock) -> None:
        self._token_store = token_store
        self._clock = clock

    async def execute(self, principal: Principal) -> list[SessionView]:
        sessions = await self._token_store.list_for_user(principal.user_id, self._clock.now())
        return [SessionView(s, s.id == principal.session_id) for s in sessions]
