"""Users (with their profiles) in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

from scripthub.domain.errors import ConflictError
from scripthub.domain.users import USERNAME_HELD_FOR, AccountStatus, User
from tests.fakes.database import check_user_is_unique, newest_first

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Collection, Mapping
    from datetime import datetime

    from scripthub.application.ports.users import UserQuery
    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryUserRepository:
    """`UserRepository` over the private copy of an `InMemoryUnitOfWork`.

    A write changes only the fields it names, checking its condition once the unit of work
    holds the writer lock, when the copy holds everything committed before."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._users = database.users
        self._writing = writing

    async def add(self, user: User) -> None:
        await self._writing()
        if user.id in self._users:
            raise ConflictError(f"user {user.id} already exists")
        self._store(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return copy.deepcopy(self._users.get(user_id))

    async def get_by_email(self, email: str) -> User | None:
        return copy.deepcopy(self._live_holder("email", email))

    async def get_by_username(self, username: str) -> User | None:
        return copy.deepcopy(self._live_holder("username", username))

    async def email_in_use(self, email: str) -> bool:
        return self._live_holder("email", email) is not None

    async def username_in_use(
        self, username: str, *, now: datetime, excluding: uuid.UUID | None = None
    ) -> bool:
        return any(
            user.username == username
            and user.id != excluding
            and (user.account_status is not _DELETED or user.updated_at > now - USERNAME_HELD_FOR)
            for user in self._users.values()
        )

    async def update_profile(
        self,
        user_id: uuid.UUID,
        now: datetime,
        *,
        username: str | None = None,
        profile: Mapping[str, Any] | None = None,
    ) -> User | None:
        def change(user: User) -> User:
            return dataclasses.replace(
                user,
                username=user.username if username is None else username,
                updated_at=now,
                profile=dataclasses.replace(user.profile, **(profile or {})),
            )

        changed = await self._change_if(user_id, lambda user: user.is_active, change)
        return copy.deepcopy(changed)

    async def set_password_hash(
        self,
        user_id: uuid.UUID,
        password_hash: str,
        now: datetime,
        *,
        replacing: str | None = None,
    ) -> bool:
        def holds(user: User) -> bool:
            return user.is_active and replacing in (None, user.password_hash)

        changed = await self._change_if(
            user_id,
            holds,
            lambda user: dataclasses.replace(
                user,
                password_hash=password_hash,
                updated_at=now,
                session_epoch=user.session_epoch + 1,
            ),
        )
        return changed is not None

    async def change_email(self, user_id: uuid.UUID, email: str, at: datetime) -> bool:
        changed = await self._change_if(
            user_id,
            lambda user: user.is_active,
            lambda user: dataclasses.replace(
                user, email=email, email_verified_at=at, updated_at=at
            ),
        )
        return changed is not None

    async def mark_email_verified(self, user_id: uuid.UUID, at: datetime) -> bool:
        def holds(user: User) -> bool:
            return user.email_verified_at is None and user.account_status is not _DELETED

        changed = await self._change_if(
            user_id,
            holds,
            lambda user: dataclasses.replace(user, email_verified_at=at, updated_at=at),
        )
        return changed is not None

    async def change_status(
        self,
        user_id: uuid.UUID,
        to: AccountStatus,
        now: datetime,
        *,
        only_from: Collection[AccountStatus],
    ) -> bool:
        changed = await self._change_if(
            user_id,
            lambda user: user.account_status in only_from,
            lambda user: dataclasses.replace(
                user, account_status=to, updated_at=now, session_epoch=user.session_epoch + 1
            ),
        )
        return changed is not None

    async def hold_active(self, user_id: uuid.UUID) -> bool:
        held = await self._change_if(user_id, lambda user: user.is_active, lambda user: user)
        return held is not None

    async def search(self, query: UserQuery) -> list[User]:
        found = (user for user in self._users.values() if _matches(user, query))
        return newest_first(
            found, lambda user: (user.created_at, user.id), query.after, query.limit
        )

    async def _change_if(
        self,
        user_id: uuid.UUID,
        condition: Callable[[User], bool],
        change: Callable[[User], User],
    ) -> User | None:
        """The user changed by `change` if `condition` holds (on the latest state), else
        None, changing nothing."""
        await self._writing()
        user = self._users.get(user_id)
        if user is None or not condition(user):
            return None
        changed = change(user)
        self._store(changed)
        return changed

    def _store(self, user: User) -> None:
        check_user_is_unique(self._users, user)
        self._users[user.id] = copy.deepcopy(user)

    def _live_holder(self, field: str, value: str) -> User | None:
        for user in self._users.values():
            if user.account_status is not AccountStatus.DELETED and getattr(user, field) == value:
                return user
        return None


_DELETED = AccountStatus.DELETED


def _matches(user: User, query: UserQuery) -> bool:
    if query.status is not None and user.account_status is not query.status:
        return False
    if query.text is None:
        return True
    text = query.text.lower()
    return text in user.email.lower() or text in user.username.lower()
