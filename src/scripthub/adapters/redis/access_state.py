"""The authenticated request's one Redis round trip: session liveness, cached grants, and the
request counted against its rate budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.adapters.redis.access_token_marks import AccessTokenMarkKeys, decode_mark
from scripthub.adapters.redis.codec import LIVE_EPOCH_FIELDS, live_epoch
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.adapters.redis.keys import SessionStoreKeys
from scripthub.adapters.redis.permission_cache import PermissionCacheKeys, decode_lookup
from scripthub.adapters.redis.rate_limiter import RateCounters
from scripthub.application.ports.access_state import AccessState, OwnerState

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from redis.asyncio import Redis

    from scripthub.application.ports.system import RateCharge


class RedisAccessStateReader:
    """`AccessStateReader` for a `RedisSessionStore` (or `RedisAccessTokenMarks`), a
    `RedisPermissionCache` and a `RedisRateLimiter` that share this client's server and
    `prefix`: HMGET of the session's owner and epoch (or GET of the token's mark), the cache's
    MGET and the rate counter's commands go out in one pipeline (a MULTI block when it
    counts), so one network round trip answers all three.
    """

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self._session_keys = SessionStoreKeys(prefix)
        self._grants_keys = PermissionCacheKeys(prefix)
        self._token_keys = AccessTokenMarkKeys(prefix)
        self._counters = RateCounters(prefix)

    @cache_unavailable_as_503
    async def read(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        now: datetime,  # noqa: ARG002
        charge: RateCharge | None = None,
    ) -> AccessState:
        async with self._client.pipeline(transaction=charge is not None) as pipe:
            pipe.hmget(self._session_keys.session(session_id), LIVE_EPOCH_FIELDS)
            pipe.mget(self._grants_keys.lookup(user_id))
            if charge is not None:
                self._counters.queue_hit(pipe, charge)
            session, lookup, *counted = await pipe.execute()
        return AccessState(
            session_epoch=live_epoch(session, user_id),
            cached=decode_lookup(lookup),
            rate=None if charge is None else self._counters.state(charge, counted),
        )

    @cache_unavailable_as_503
    async def read_owner(
        self, token_id: uuid.UUID, user_id: uuid.UUID, charges: Sequence[RateCharge]
    ) -> OwnerState:
        async with self._client.pipeline(transaction=bool(charges)) as pipe:
            pipe.get(self._token_keys.mark(token_id))
            pipe.mget(self._grants_keys.lookup(user_id))
            for charge in charges:
                self._counters.queue_hit(pipe, charge)
            mark, lookup, *counted = await pipe.execute()
        rates = self._counters.states(charges, counted)
        return OwnerState(token_mark=decode_mark(mark), cached=decode_lookup(lookup), rates=rates)
