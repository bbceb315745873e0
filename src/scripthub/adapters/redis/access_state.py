"""The authenticated request's one Redis round trip: session liveness and cached grants."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.adapters.redis.keys import SessionStoreKeys
from scripthub.adapters.redis.permission_cache import PermissionCacheKeys, decode_lookup
from scripthub.application.ports.permission_cache import AccessState

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from redis.asyncio import Redis


class RedisAccessStateReader:
    """`AccessStateReader` for a `RedisSessionStore` and a `RedisPermissionCache` that share
    this client's server and `prefix`: EXISTS on the session key and the cache's MGET go out
    in one pipeline, so one network round trip answers both.
    """

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self._session_keys = SessionStoreKeys(prefix)
        self._grants_keys = PermissionCacheKeys(prefix)

    @cache_unavailable_as_503
    async def read(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        now: datetime,  # noqa: ARG002
    ) -> AccessState:
        # Redis expires a session's key at its `expires_at`, so existence alone answers.
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.exists(self._session_keys.session(session_id))
            pipe.mget(self._grants_keys.lookup(user_id))
            exists, lookup = await pipe.execute()
        return AccessState(session_active=exists == 1, cached=decode_lookup(lookup))
