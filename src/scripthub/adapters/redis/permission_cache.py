"""Users' grants cached in Redis, invalidated by version counters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.permission_cache import (
    HOLD_LIMIT,
    AccountAccess,
    CachedGrants,
    GrantsStamp,
)
from scripthub.domain.roles import Grants

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from redis.asyncio import Redis

DEFAULT_TTL = timedelta(minutes=15)
"""A safety net only: versions, not expiry, keep entries from being served stale."""


@dataclass(frozen=True)
class PermissionCacheKeys:
    """Where cached grants and their invalidation versions live under `prefix`.

    The version keys never expire: were one to vanish, its counter would restart and could
    climb back to a value an old entry still carries. Under a `volatile-*` eviction policy
    Redis only evicts keys with a TTL (the entries), never these.
    """

    prefix: str = "scripthub:"

    @property
    def everyone_version(self) -> str:
        return f"{self.prefix}grants_version:everyone"

    def user_version(self, user_id: uuid.UUID) -> str:
        return f"{self.prefix}grants_version:user:{user_id}"

    def grants(self, user_id: uuid.UUID) -> str:
        return f"{self.prefix}grants:{user_id}"

    def hold(self, user_id: uuid.UUID) -> str:
        return f"{self.prefix}grants_hold:{user_id}"

    def lookup(self, user_id: uuid.UUID) -> list[str]:
        """The keys to MGET for a lookup, in the order `decode_lookup` reads the reply."""
        return [
            self.grants(user_id),
            self.everyone_version,
            self.user_version(user_id),
            self.hold(user_id),
        ]


def encode_entry(access: AccountAccess, stamp: GrantsStamp) -> str:
    grants = access.grants
    return json.dumps(
        [
            stamp.everyone,
            stamp.user,
            sorted(grants.roles),
            sorted(grants.permissions),
            access.session_epoch,
        ],
        separators=(",", ":"),
    )


def decode_lookup(reply: Sequence[bytes | str | None]) -> CachedGrants:
    """The MGET reply for `PermissionCacheKeys.lookup` as what the port returns."""
    entry, everyone, user, hold = reply
    stamp = GrantsStamp(everyone=_version(everyone), user=_version(user), held=hold is not None)
    if stamp.held:
        return CachedGrants(access=None, stamp=stamp)
    return CachedGrants(access=_access_if_current(entry, stamp), stamp=stamp)


def _version(value: bytes | str | None) -> int:
    # INCR creates a version key at 1, so a missing one is version 0.
    return 0 if value is None else int(value)


def _access_if_current(entry: bytes | str | None, stamp: GrantsStamp) -> AccountAccess | None:
    if entry is None:
        return None
    try:
        everyone, user, roles, permissions, session_epoch = json.loads(entry)
    except (ValueError, TypeError):
        # An entry in a format this code does not know (another release wrote it) is a
        # miss: the next store replaces it.
        return None
    if (everyone, user) != (stamp.everyone, stamp.user):
        return None
    grants = Grants(roles=frozenset(roles), permissions=frozenset(permissions))
    return AccountAccess(grants, session_epoch)


class RedisPermissionCache:
    """`PermissionCache` on Redis, shared by every process and host.

    An entry is one string under `grants:{user}` holding the grants, the session epoch and
    the versions it was stored with; a lookup is one MGET of the entry, both current versions
    and the user's hold (`grants_hold:{user}`, expiring after `HOLD_LIMIT`); an invalidation
    is one INCR of a version, and a hold that INCR and the hold's SET in one MULTI block.
    """

    def __init__(
        self, client: Redis, prefix: str = "scripthub:", *, ttl: timedelta = DEFAULT_TTL
    ) -> None:
        self._client = client
        self.keys = PermissionCacheKeys(prefix)
        self._ttl = ttl

    @cache_unavailable_as_503
    async def lookup(self, user_id: uuid.UUID) -> CachedGrants:
        return decode_lookup(await self._client.mget(self.keys.lookup(user_id)))

    @cache_unavailable_as_503
    async def store(self, user_id: uuid.UUID, access: AccountAccess, stamp: GrantsStamp) -> None:
        if stamp.held:
            return
        await self._client.set(self.keys.grants(user_id), encode_entry(access, stamp), ex=self._ttl)

    @cache_unavailable_as_503
    async def invalidate_user(self, user_id: uuid.UUID) -> None:
        await self._client.incr(self.keys.user_version(user_id))

    @cache_unavailable_as_503
    async def hold_user(self, user_id: uuid.UUID) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(self.keys.user_version(user_id))
            pipe.set(self.keys.hold(user_id), 1, ex=HOLD_LIMIT)
            await pipe.execute()

    @cache_unavailable_as_503
    async def invalidate_everyone(self) -> None:
        await self._client.incr(self.keys.everyone_version)
