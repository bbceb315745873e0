"""The access state from any session store, permission cache and rate limiter, one after the
other."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.application.ports.access_state import AccessState, OwnerState
from scripthub.application.ports.access_tokens import TokenMark

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from scripthub.application.ports.permission_cache import PermissionCache
    from scripthub.application.ports.session_store import SessionStore
    from scripthub.application.ports.system import RateCharge, RateLimiter


class SequentialAccessStateReader:
    """`AccessStateReader` over a `SessionStore`, a `PermissionCache` and a `RateLimiter` that
    cannot share one round trip (in-process adapters, SQL sessions): it asks each in turn.
    Where all three are on one Redis, `RedisAccessStateReader` does it in one trip instead.
    Tokens are not marked here (`UnmarkedAccessTokens`): the database is asked every time.
    """

    def __init__(
        self, session_store: SessionStore, cache: PermissionCache, limiter: RateLimiter
    ) -> None:
        self._session_store = session_store
        self._cache = cache
        self._limiter = limiter

    async def read(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        now: datetime,
        charge: RateCharge | None = None,
    ) -> AccessState:
        rate = None
        if charge is not None:
            rate = await self._limiter.hit(charge.key, charge.limit, charge.window_seconds)
        session_epoch = await self._session_store.live_epoch(session_id, user_id, now)
        cached = await self._cache.lookup(user_id)
        return AccessState(session_epoch=session_epoch, cached=cached, rate=rate)

    async def read_owner(
        self,
        token_id: uuid.UUID,  # noqa: ARG002
        user_id: uuid.UUID,
        charges: Sequence[RateCharge],
    ) -> OwnerState:
        rates = [await self._limiter.hit(c.key, c.limit, c.window_seconds) for c in charges]
        cached = await self._cache.lookup(user_id)
        return OwnerState(token_mark=TokenMark.UNKNOWN, cached=cached, rates=rates)
