"""`PermissionCache` that caches nothing: every request reads its grants from the database."""

from __future__ import annotations

import uuid

from scripthub.application.ports.permission_cache import AccountAccess, CachedGrants, GrantsStamp

_NO_VERSIONS = GrantsStamp(everyone=0, user=0)


class UncachedPermissionCache:
    """For the embedded wiring. An in-process cache cannot hear invalidations from other
    processes, such as `scripthub users grant-role` run beside the server, and would serve
    revoked grants; one small SQLite query per request is the price of never being stale."""

    async def lookup(self, user_id: uuid.UUID) -> CachedGrants:
        return CachedGrants(None, _NO_VERSIONS)

    async def store(self, user_id: uuid.UUID, access: AccountAccess, stamp: GrantsStamp) -> None:
        pass

    async def invalidate_user(self, user_id: uuid.UUID) -> None:
        pass

    async def hold_user(self, user_id: uuid.UUID) -> None:
        pass

    async def invalidate_everyone(self) -> None:
        pass
