"""Users' access cached in process memory, invalidated by version counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.application.ports.permission_cache import AccountAccess, CachedGrants, GrantsStamp

if TYPE_CHECKING:
    import uuid


class InMemoryPermissionCache:
    """`PermissionCache` for one process.

    Each entry keeps the stamp it was stored with and is served only while that stamp is
    still current; invalidating bumps a counter (for one user, or for everyone).
    """

    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, tuple[AccountAccess, GrantsStamp]] = {}
        self._everyone = 0
        self._users: dict[uuid.UUID, int] = {}
        # A hold never lapses here: tests stay within `HOLD_LIMIT`.
        self._held: set[uuid.UUID] = set()

    async def lookup(self, user_id: uuid.UUID) -> CachedGrants:
        stamp = GrantsStamp(
            everyone=self._everyone, user=self._users.get(user_id, 0), held=user_id in self._held
        )
        entry = self._entries.get(user_id)
        access = entry[0] if entry is not None and entry[1] == stamp and not stamp.held else None
        return CachedGrants(access=access, stamp=stamp)

    async def store(self, user_id: uuid.UUID, access: AccountAccess, stamp: GrantsStamp) -> None:
        if not stamp.held:
            self._entries[user_id] = (access, stamp)

    async def invalidate_user(self, user_id: uuid.UUID) -> None:
        self._users[user_id] = self._users.get(user_id, 0) + 1

    async def hold_user(self, user_id: uuid.UUID) -> None:
        self._users[user_id] = self._users.get(user_id, 0) + 1
        self._held.add(user_id)

    async def invalidate_everyone(self) -> None:
        self._everyone += 1
