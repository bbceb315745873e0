"""Cached grants (roles and permissions) and session epochs of users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from scripthub.domain.roles import Grants

HOLD_LIMIT = timedelta(seconds=30)
"""How long a `hold_user` lasts: far longer than the commit that follows it may take (the
database's deadlines are 5 s), short enough that the user's requests are soon cached again."""


@dataclass(frozen=True)
class GrantsStamp:
    """The invalidation versions current when a cache entry was looked up.

    `everyone` moves when any role's permissions change (or a role is deleted); `user` moves
    when that user's roles or account status change. An entry is valid only while both
    versions are still those it was stored with. While the user is `held`, nothing is stored.
    """

    everyone: int
    user: int
    held: bool = False


@dataclass(frozen=True)
class AccountAccess:
    """What an authenticated request needs of the account besides its session: what the
    user may do, and the epoch a session must belong to (`User.session_epoch`)."""

    grants: Grants
    session_epoch: int


@dataclass(frozen=True)
class CachedGrants:
    access: AccountAccess | None
    """None on a miss or a stale entry: load from the database, then `store` with `stamp`."""
    stamp: GrantsStamp


class PermissionCache(Protocol):
    """Access (grants and session epoch) by user id, invalidated by version so a change is
    never served stale.

    Storing with the stamp read *before* the database query closes the race in which an
    invalidation lands between that query and the store: the entry is then born stale.
    """

    async def lookup(self, user_id: uuid.UUID) -> CachedGrants: ...

    async def store(
        self, user_id: uuid.UUID, access: AccountAccess, stamp: GrantsStamp
    ) -> None: ...

    async def invalidate_user(self, user_id: uuid.UUID) -> None:
        """O(1): that user's next lookup misses."""

    async def hold_user(self, user_id: uuid.UUID) -> None:
        """O(1), before a change of the user's access commits: invalidates the user, and for
        `HOLD_LIMIT` the user's lookups miss and `store` keeps nothing. A request that reads
        the database between this and the commit still sees the old access; held, it cannot
        cache it, and nothing has to reach the cache after the commit. Nothing ends a hold
        early, so two changes at once are both covered."""

    async def invalidate_everyone(self) -> None:
        """O(1): every user's next lookup misses (a role's permissions changed)."""
