"""`UserRepository` over `users` and `user_profiles`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.keyset import newest_first
from scripthub.adapters.sqlalchemy.users_table import (
    LIVE_ACCOUNT,
    PROFILE_COLUMNS,
    profile_values,
    user_from_row,
    user_profiles,
    user_values,
    users,
)
from scripthub.domain.errors import NotFoundError

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.application.ports.users import UserQuery
    from scripthub.domain.users import User

_USER_WITH_PROFILE = select(users, *(user_profiles.c[name] for name in PROFILE_COLUMNS)).join(
    user_profiles, user_profiles.c.user_id == users.c.id, isouter=True
)


class SqlAlchemyUserRepository:
    """Users and their profiles. Lookups compare the normalized email or username exactly."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, user: User) -> None:
        try:
            await self._connection.execute(insert(users).values(user_values(user)))
            await self._connection.execute(insert(user_profiles).values(profile_values(user)))
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self._one(users.c.id == user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email, LIVE_ACCOUNT)

    async def get_by_username(self, username: str) -> User | None:
        return await self._one(users.c.username == username, LIVE_ACCOUNT)

    async def email_in_use(self, email: str) -> bool:
        return await self._exists(users.c.email == email, LIVE_ACCOUNT)

    async def username_in_use(self, username: str, *, excluding: uuid.UUID | None = None) -> bool:
        conditions: list[ColumnElement[bool]] = [users.c.username == username, LIVE_ACCOUNT]
        if excluding is not None:
            conditions.append(users.c.id != excluding)
        return await self._exists(*conditions)

    async def save(self, user: User) -> None:
        unchanged = {"id", "user_id", "created_at"}
        account = {k: v for k, v in user_values(user).items() if k not in unchanged}
        profile = {k: v for k, v in profile_values(user).items() if k not in unchanged}
        try:
            result = await self._connection.execute(
                update(users).where(users.c.id == user.id).values(account).returning(users.c.id)
            )
            if result.first() is None:
                raise NotFoundError(f"user {user.id} does not exist")
            await self._connection.execute(
                update(user_profiles).where(user_profiles.c.user_id == user.id).values(profile)
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def search(self, query: UserQuery) -> list[User]:
        statement = _USER_WITH_PROFILE.where(*_search_conditions(query))
        result = await self._connection.execute(
            newest_first(statement, users.c.created_at, users.c.id, query.after, query.limit)
        )
        return [user_from_row(row) for row in result.mappings()]

    async def _one(self, *conditions: ColumnElement[bool]) -> User | None:
        result = await self._connection.execute(_USER_WITH_PROFILE.where(*conditions))
        row = result.mappings().one_or_none()
        return None if row is None else user_from_row(row)

    async def _exists(self, *conditions: ColumnElement[bool]) -> bool:
        result = await self._connection.execute(select(exists().where(*conditions)))
        return bool(result.scalar_one())


def _search_conditions(query: UserQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.text is not None:
        # Lower-cased here too: SQLite's lower() only folds ASCII letters.
        text = query.text.lower()
        conditions.append(
            or_(
                # autoescape makes '%', '_' and '/' (its escape character) match themselves;
                # '\\' is an ordinary character once ESCAPE names another.
                users.c.email.icontains(text, autoescape=True),
                users.c.username.icontains(text, autoescape=True),
            )
        )
    if query.status is not None:
        conditions.append(users.c.account_status == query.status.value)
    return conditions
