"""Cached grants (roles and permissions) and session epochs of users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from scripthub.domain.roles import Grants


@dataclass(frozen=True)
class GrantsStamp:
    """The invalidation versions current when a cache entry was looked up.

    `everyone` moves when any role's permissions change (or a role is deleted); `user` moves
    when that user's roles or account status change. An entry is valid only while both
    versions are still those it was stored with.
    """

    everyone: int
    user: int


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

    async def invalidate_everyone(self) -> None:
        """O(1): every user's next lookup misses (a role's permissions changed)."""
