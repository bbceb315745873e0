"""The access state from any token store and permission cache, one after the other."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.application.ports.permission_cache import AccessState

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.application.ports.permission_cache import PermissionCache
    from scripthub.application.ports.session_store import SessionStore


class SequentialAccessStateReader:
    """`AccessStateReader` over a `SessionStore` and a `PermissionCache` that cannot share one
    round trip (in-process adapters, SQL sessions): it asks the token store, then the cache.
    Where both are on one Redis, `RedisAccessStateReader` does it in one trip instead.
    """

    def __init__(self, session_store: SessionStore, cache: PermissionCache) -> None:
        self._session_store = session_store
        self._cache = cache

    async def read(self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> AccessState:
        session_active = await self._session_store.is_active(session_id, now)
        return AccessState(session_active=session_active, cached=await self._cache.lookup(user_id))
