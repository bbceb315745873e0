"""Starting sessions and minting the token pair handed to clients."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from scripthub.application.accounts import OwnUser
from scripthub.application.ports.security import AccessTokens
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.tokens import new_opaque_token
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import SessionRevokedError
from scripthub.domain.sessions import Session


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: OwnUser


class SessionStarter:
    """Opens a session for a signed-in user and returns its first token pair."""

    def __init__(
        self,
        session_store: SessionStore,
        access_tokens: AccessTokens,
        clock: Clock,
        session_lifetime: timedelta,
    ) -> None:
        self._session_store = session_store
        self._access_tokens = access_tokens
        self._clock = clock
        self._session_lifetime = session_lifetime

    async def start(self, user: OwnUser, context: RequestContext, provider: str) -> TokenPair:
        now = self._clock.now()
        session = Session(
            id=uuid.uuid4(),
            user_id=user.user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + self._session_lifetime,
            user_agent=context.user_agent,
            ip_address=context.ip_address,
            provider=provider,
            epoch=user.user.session_epoch,
        )
        refresh_token, token_hash = new_opaque_token()
        await self._session_store.create(session, token_hash)
        return self.pair(user, session.id, refresh_token)

    async def reissue(self, user: OwnUser, session_id: uuid.UUID) -> TokenPair:
        """A new token pair for a live session, now of the account's current epoch; its
        previous refresh token stops working."""
        refresh_token, token_hash = new_opaque_token()
        reissued = await self._session_store.reissue(
            session_id, token_hash, self._clock.now(), user.user.session_epoch
        )
        if reissued is None:
            raise SessionRevokedError("This session has ended; sign in again.")
        return self.pair(user, session_id, refresh_token)

    def pair(self, user: OwnUser, session_id: uuid.UUID, refresh_token: str) -> TokenPair:
        access = self._access_tokens.issue(user.user.id, session_id)
        return TokenPair(access.token, refresh_token, access.expires_in, user)
