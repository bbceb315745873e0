"""Turn a bearer token into the principal behind an authenticated request."""

from __future__ import annotations

from scripthub.application.auth.principal import Principal
from scripthub.application.ports.security import AccessTokens
from scripthub.application.ports.system import Clock
from scripthub.application.ports.token_store import TokenStore
from scripthub.domain.errors import SessionRevokedError


class AuthenticateRequest:
    """The hot path: decode the JWT (no I/O), then one store round trip for session liveness.

    Ending a session therefore locks out its access tokens on the very next request.
    """

    def __init__(self, access_tokens: AccessTokens, token_store: TokenStore, clock: Clock) -> None:
        self._access_tokens = access_tokens
        self._token_store = token_store
        self._clock = clock

    async def execute(self, bearer_token: str) -> Principal:
        claims = self._access_tokens.read(bearer_token)
        if not await self._token_store.is_active(claims.session_id, self._clock.now()):
            raise SessionRevokedError("This session has ended; sign in again.")
        return Principal(claims.user_id, claims.session_id)
