"""Turn a personal access token into the principal behind a request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.system import Clock, RateCharge, RateLimiter, RateLimitState
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.tokens import hash_token
from scripthub.domain.access_tokens import LAST_USE_PRECISION, AccessToken, TokenScope, well_formed
from scripthub.domain.errors import DomainError, InvalidTokenError, RateLimitedError
from scripthub.domain.roles import SCRIPTS_CREATE, Grants

SCOPE_PERMISSIONS: dict[TokenScope, frozenset[str]] = {
    TokenScope.SCRIPTS_PUBLISH: frozenset({SCRIPTS_CREATE.name}),
    TokenScope.SCRIPTS_READ: frozenset(),
}
"""The owner's permissions a token's scope lets it use (those the owner holds): publishing
still needs the owner's `scripts.create`, and no scope reaches a moderator's or an admin's."""

OwnerCharge = Callable[[uuid.UUID], RateCharge]
"""The rate charge of a request made with a token of this user's."""


@dataclass(frozen=True)
class TokenAuthentication:
    principal: Principal | None
    refusal: DomainError | None
    rate: RateLimitState | None
    """None when the token was refused before its owner was known: nothing was counted."""


@dataclass(frozen=True)
class AuthenticateAccessToken:
    """A request made with `Authorization: Bearer shp_...`: the checksum is checked with no
    I/O; then one query reads the token, live and of an active account (a revoked token is
    refused on the next request, on every process, since nothing caches it), and one more
    the owner's permissions; the request is counted against the owner's budget; and
    `last_used_at` is written at most once per `LAST_USE_PRECISION` (a limiter window of one
    hit per token decides which request writes it).
    """

    uow_factory: UnitOfWorkFactory
    limiter: RateLimiter
    clock: Clock

    async def execute(self, secret: str, owner_charge: OwnerCharge | None) -> TokenAuthentication:
        refused = InvalidTokenError("This token is unknown, revoked or expired.")
        if not well_formed(secret):
            return TokenAuthentication(None, refused, None)
        now = self.clock.now()
        async with self.uow_factory() as uow:
            token = await uow.access_tokens.find_usable(hash_token(secret), now)
            access = None if token is None else await uow.roles.access_of(token.user_id)
        if token is None or access is None:
            return TokenAuthentication(None, refused, None)
        rate = None
        if owner_charge is not None:
            charge = owner_charge(token.user_id)
            rate = await self.limiter.hit(charge.key, charge.limit, charge.window_seconds)
            if not rate.allowed:
                return TokenAuthentication(None, RateLimitedError(rate.reset_after), rate)
        await self._note_use(token)
        permissions = frozenset().union(*(SCOPE_PERMISSIONS[scope] for scope in token.scopes))
        grants = Grants(frozenset(), permissions & access.grants.permissions)
        principal = Principal(token.user_id, token.id, grants, access.session_epoch, token.grant)
        return TokenAuthentication(principal, None, rate)

    async def _note_use(self, token: AccessToken) -> None:
        window = int(LAST_USE_PRECISION.total_seconds())
        first = await self.limiter.hit(f"token_use:{token.id}", 1, window)
        if first.allowed:
            async with self.uow_factory() as uow:
                await uow.access_tokens.mark_used(token.id, self.clock.now())
                await uow.commit()
