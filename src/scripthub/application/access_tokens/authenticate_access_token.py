"""Turn a personal access token into the principal behind a request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scripthub.application.accounts import Principal
from scripthub.application.ports.access_state import AccessStateReader
from scripthub.application.ports.access_tokens import AccessTokenCache, AccessTokenMarks, TokenMark
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock, RateCharge, RateLimitState
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

LIVE_MARK_TTL = timedelta(minutes=10)
"""A token's live mark lasts this long at most, then the database is asked again: were a
revoked mark lost (evicted, or the store restarted) just as a request that read the token
live before its revocation marked it, the token would pass for live no longer than this."""

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
    I/O; the token itself comes from the process's cache (a query on the first use in the
    process); then one store round trip, as a session's request makes, reads the token's
    mark and the owner's cached access, and counts the request against the owner's budget and
    against the token's last-use window (one hit per `LAST_USE_PRECISION`: the request that
    is first in it writes `last_used_at`). A token marked live passes; one not marked (the
    first use since the store last heard of it, or any use where tokens are not marked) is
    read from the database and marked live; one marked revoked is read from the database
    too, in case its revocation never committed. A permission-cache miss costs a query, as
    for a session.
    """

    uow_factory: UnitOfWorkFactory
    access_state: AccessStateReader
    permission_cache: PermissionCache
    token_cache: AccessTokenCache
    token_marks: AccessTokenMarks
    clock: Clock

    async def execute(self, secret: str, owner_charge: OwnerCharge | None) -> TokenAuthentication:
        refused = InvalidTokenError("This token is unknown, revoked or expired.")
        if not well_formed(secret):
            return TokenAuthentication(None, refused, None)
        secret_hash = hash_token(secret)
        now = self.clock.now()
        cached = self.token_cache.get(secret_hash)
        token = cached if cached is not None and cached.live(now) else None
        if token is None:
            token = await self._read_usable(secret_hash, now)
            if token is None:
                self.token_cache.forget(secret_hash)
                return TokenAuthentication(None, refused, None)
            self.token_cache.put(secret_hash, token)
        last_use = RateCharge(f"token_use:{token.id}", 1, int(LAST_USE_PRECISION.total_seconds()))
        charges = [last_use] if owner_charge is None else [last_use, owner_charge(token.user_id)]
        state = await self.access_state.read_owner(token.id, token.user_id, charges)
        first_use, *counted = state.rates
        rate = counted[0] if counted else None
        read_now = token is not cached
        if not await self._confirmed_live(
            token, secret_hash, state.token_mark, read_now=read_now, now=now
        ):
            # The owner's budget was counted, but the refusal is charged to the address.
            return TokenAuthentication(None, refused, None)
        if rate is not None and not rate.allowed:
            return TokenAuthentication(None, RateLimitedError(rate.reset_after), rate)
        access = state.cached.access
        if access is None:
            async with self.uow_factory() as uow:
                access = await uow.roles.access_of(token.user_id)
            if access is None:
                return TokenAuthentication(None, refused, rate)
            await self.permission_cache.store(token.user_id, access, state.cached.stamp)
        if first_use.allowed:
            await self._note_use(token)
        permissions = frozenset().union(*(SCOPE_PERMISSIONS[scope] for scope in token.scopes))
        grants = Grants(frozenset(), permissions & access.grants.permissions)
        principal = Principal(token.user_id, token.id, grants, access.session_epoch, token.grant)
        return TokenAuthentication(principal, None, rate)

    async def _read_usable(self, secret_hash: str, now: datetime) -> AccessToken | None:
        async with self.uow_factory() as uow:
            return await uow.access_tokens.find_usable(secret_hash, now)

    async def _confirmed_live(
        self,
        token: AccessToken,
        secret_hash: str,
        mark: TokenMark,
        *,
        read_now: bool,
        now: datetime,
    ) -> bool:
        if mark is TokenMark.LIVE:
            return True
        if mark is TokenMark.REVOKED:
            # Marked before its revocation commits: the row decides, in case it never did.
            live = await self._read_usable(secret_hash, now) is not None
        else:
            live = read_now or await self._read_usable(secret_hash, now) is not None
            live = live and await self.token_marks.mark_live(
                token.id, min(token.expires_at, now + LIVE_MARK_TTL)
            )
        if not live:
            self.token_cache.forget(secret_hash)
        return live

    async def _note_use(self, token: AccessToken) -> None:
        async with self.uow_factory() as uow:
            await uow.access_tokens.mark_used(token.id, self.clock.now())
            await uow.commit()
