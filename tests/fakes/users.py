"""Users (with their profiles) in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.users import AccountStatus, User
from tests.fakes.database import check_user_is_unique, newest_first

if TYPE_CHECKING:
    import uuid

    from scripthub.application.ports.users import UserQuery
    from tests.fakes.database import InMemoryDatabase


class InMemoryUserRepository:
    """`UserRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._users = database.users

    async def add(self, user: User) -> None:
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

    async def username_in_use(self, username: str, *, excluding: uuid.UUID | None = None) -> bool:
        holder = self._live_holder("username", username)
        return holder is not None and holder.id != excluding

    async def save(self, user: User) -> None:
        if user.id not in self._users:
            raise NotFoundError(f"user {user.id} does not exist")
        self._store(user)

    async def search(self, query: UserQuery) -> list[User]:
        found = (user for user in self._users.values() if _matches(user, query))
        return newest_first(
            found, lambda user: (user.created_at, user.id), query.after, query.limit
        )

    def _store(self, user: User) -> None:
        check_user_is_unique(self._users, user)
        self._users[user.id] = copy.deepcopy(user)

    def _live_holder(self, field: str, value: str) -> User | None:
        for user in self._users.values():
            if user.account_status is not AccountStatus.DELETED and getattr(user, field) == value:
                return user
        return None


def _matches(user: User, query: UserQuery) -> bool:
    if query.status is not None and user.account_status is not query.status:
        return False
    if query.text is None:
        return True
    text = query.text.lower()
    return text in user.email.lower() or text in user.username.lower()
