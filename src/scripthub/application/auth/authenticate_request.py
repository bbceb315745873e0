"""Turn a bearer token into the principal behind an authenticated request."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.access_tokens.authenticate_access_token import (
    AuthenticateAccessToken,
    OwnerCharge,
)
from scripthub.application.accounts import Principal
from scripthub.application.ports.access_state import AccessStateReader
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.security import AccessTokens
from scripthub.application.ports.system import Clock, RateCharge, RateLimitState
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.access_tokens import is_access_token
from scripthub.domain.errors import DomainError, RateLimitedError, SessionRevokedError


@dataclass(frozen=True)
class AuthenticateRequestQuery:
    bearer_token: str
    rate_charge: RateCharge | None = None
    """Count the request against this budget in the same store round trip."""
    owner_charge: OwnerCharge | None = None
    """Count a request made with a personal access token against its owner's budget
    instead."""


@dataclass(frozen=True)
class Authentication:
    """Who makes the request, or why nobody can be trusted to; and the rate budget counted on
    the way (None if the token was refused before the store was asked: nothing was counted)."""

    principal: Principal | None
    refusal: DomainError | None
    rate: RateLimitState | None

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise self.refusal or SessionRevokedError("This session has ended; sign in again.")
        return self.principal


class AuthenticateRequest:
    """The hot path: decode the JWT (no I/O), then one store round trip for "is the session
    live", "what may this user do" and, when asked, "count this request". Only a
    permission-cache miss costs a query.

    Ending a session therefore locks out its access tokens on the very next request, and a
    role or permission change (which invalidates the cache) applies on the next request too.
    So does a change of the account's session epoch: a session of an earlier epoch has ended
    whatever the session store says, which holds if the store missed the revocation.

    A personal access token (`shp_...`) goes to `AuthenticateAccessToken` instead.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        access_tokens: AccessTokens,
        access_state: AccessStateReader,
        permission_cache: PermissionCache,
        clock: Clock,
        access_token: AuthenticateAccessToken,
    ) -> None:
        self._access_token = access_token
        self._uow_factory = uow_factory
        self._access_tokens = access_tokens
        self._access_state = access_state
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, query: AuthenticateRequestQuery) -> Authentication:
        if is_access_token(query.bearer_token):
            by_token = await self._access_token.execute(query.bearer_token, query.owner_charge)
            return Authentication(by_token.principal, by_token.refusal, by_token.rate)
        return await self._by_session(query)

    async def _by_session(self, query: AuthenticateRequestQuery) -> Authentication:
        try:
            claims = self._access_tokens.read(query.bearer_token)
        except DomainError as refused:
            return Authentication(None, refused, None)
        state = await self._access_state.read(
            claims.session_id, claims.user_id, self._clock.now(), query.rate_charge
        )
        if state.rate is not None and not state.rate.allowed:
            # Refused anyway: a flood over its budget must not reach the database.
            return Authentication(None, RateLimitedError(state.rate.reset_after), state.rate)
        ended = SessionRevokedError("This session has ended; sign in again.")
        if state.session_epoch is None:
            return Authentication(None, ended, state.rate)
        access = state.cached.access
        if access is None:
            async with self._uow_factory() as uow:
                access = await uow.roles.access_of(claims.user_id)
            if access is None:
                return Authentication(None, ended, state.rate)
            await self._permission_cache.store(claims.user_id, access, state.cached.stamp)
        if state.session_epoch < access.session_epoch:
            # Ended by a committed password change, reset, suspension or deletion, even if
            # the session store never heard of it.
            return Authentication(None, ended, state.rate)
        principal = Principal(
            claims.user_id, claims.session_id, access.grants, access.session_epoch
        )
        return Authentication(principal, None, state.rate)
