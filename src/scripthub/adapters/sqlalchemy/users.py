"""`UserRepository` over `users` and `user_profiles`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.keyset import newest_first
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.script_authors import follow_username, leave_every_script
from scripthub.adapters.sqlalchemy.statements import new_value_parameters, new_values
from scripthub.adapters.sqlalchemy.users_table import (
    DELETED_ACCOUNT,
    LIVE_ACCOUNT,
    PROFILE_COLUMNS,
    profile_values,
    user_from_row,
    user_profiles,
    user_values,
    users,
)
from scripthub.domain.users import USERNAME_HELD_FOR, AccountStatus

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection, Mapping
    from datetime import datetime

    from sqlalchemy import BindParameter, ColumnElement, Update
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.statements import Statements
    from scripthub.application.ports.users import UserQuery
    from scripthub.domain.users import User

_PROFILE = [user_profiles.c[name] for name in PROFILE_COLUMNS]
_NEXT_EPOCH = {"session_epoch": users.c.session_epoch + 1}
"""Written with each change that ends the account's sessions, in the same statement."""
_USER_WITH_PROFILE = select(users, *_PROFILE).join(
    user_profiles, user_profiles.c.user_id == users.c.id, isouter=True
)
_ACTIVE = AccountStatus.ACTIVE.value
_OF_USER = "of_user"
"""The parameter naming the user a statement reads or writes (not `user_id`, which
`user_profiles` has as a column, reserved for SET values)."""
_USER_BY_ID = _USER_WITH_PROFILE.where(users.c.id == bindparam(_OF_USER))
_PROFILE_OF = select(*_PROFILE).where(user_profiles.c.user_id == bindparam(_OF_USER))
# A write, not SELECT ... FOR UPDATE, so that SQLite takes its database lock too.
_HOLD_ACTIVE = (
    update(users)
    .where(users.c.id == bindparam(_OF_USER), users.c.account_status == _ACTIVE)
    .values(account_status=users.c.account_status)
    .returning(users.c.id)
)


@cache
def _account_update(columns: tuple[str, ...]) -> Update:
    """The guarded profile write of `users`, one statement per set of changed columns."""
    return (
        update(users)
        .where(users.c.id == bindparam(_OF_USER), users.c.account_status == _ACTIVE)
        .values(new_value_parameters(columns))
        .returning(*users.c)
    )


@cache
def _profile_update(columns: tuple[str, ...]) -> Update:
    return (
        update(user_profiles)
        .where(user_profiles.c.user_id == bindparam(_OF_USER))
        .values(new_value_parameters(columns))
        .returning(*_PROFILE)
    )


class SqlAlchemyUserRepository:
    """Users and their profiles. Lookups compare the normalized email or username exactly."""

    def __init__(self, connection: AsyncConnection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def add(self, user: User) -> None:
        try:
            await self._connection.execute(insert(users).values(user_values(user)))
            await self._connection.execute(insert(user_profiles).values(profile_values(user)))
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = await self._statements.first(_USER_BY_ID, {_OF_USER: user_id})
        return None if row is None else user_from_row(row)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email, LIVE_ACCOUNT)

    async def get_by_username(self, username: str) -> User | None:
        return await self._one(users.c.username == username, LIVE_ACCOUNT)

    async def email_in_use(self, email: str) -> bool:
        return await self._exists(users.c.email == email, LIVE_ACCOUNT)

    async def username_in_use(
        self, username: str, *, now: datetime, excluding: uuid.UUID | None = None
    ) -> bool:
        conditions: list[ColumnElement[bool]] = [users.c.username == username]
        if excluding is not None:
            conditions.append(users.c.id != excluding)
        # Two probes, each on an index of its own (the live and the deleted accounts').
        if await self._exists(*conditions, LIVE_ACCOUNT):
            return True
        return await self._exists(
            *conditions, DELETED_ACCOUNT, users.c.updated_at > now - USERNAME_HELD_FOR
        )

    async def update_profile(
        self,
        user_id: uuid.UUID,
        now: datetime,
        *,
        username: str | None = None,
        profile: Mapping[str, Any] | None = None,
    ) -> User | None:
        account: dict[str, Any] = {"updated_at": now}
        if username is not None:
            account["username"] = username
        ids = {_OF_USER: user_id}
        try:
            # First the users row: its lock orders this write after any concurrent status or
            # password change, and the status is checked against what that one committed.
            row = await self._statements.first(
                _account_update(tuple(sorted(account))), new_values(without_nul(account)) | ids
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        if row is None:
            return None
        if username is not None:  # the copies of co-authors on scripts follow it
            await follow_username(self._connection, user_id)
        if profile:
            changes = {**profile, "updated_at": now}
            found = await self._statements.first(
                _profile_update(tuple(sorted(changes))), new_values(without_nul(changes)) | ids
            )
        else:
            found = await self._statements.first(_PROFILE_OF, ids)
        return user_from_row({**row, **(found or dict.fromkeys(PROFILE_COLUMNS))})

    async def set_password_hash(
        self,
        user_id: uuid.UUID,
        password_hash: str,
        now: datetime,
        *,
        replacing: str | None = None,
    ) -> bool:
        conditions = [users.c.id == user_id, users.c.account_status == _ACTIVE]
        if replacing is not None:
            conditions.append(users.c.password_hash == replacing)
        return await self._update_if(
            conditions, {"password_hash": password_hash, "updated_at": now, **_NEXT_EPOCH}
        )

    async def change_email(self, user_id: uuid.UUID, email: str, at: datetime) -> bool:
        try:
            return await self._update_if(
                [users.c.id == user_id, users.c.account_status == _ACTIVE],
                {"email": email, "email_verified_at": at, "updated_at": at},
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def mark_email_verified(self, user_id: uuid.UUID, at: datetime) -> bool:
        return await self._update_if(
            [users.c.id == user_id, users.c.email_verified_at.is_(None), LIVE_ACCOUNT],
            {"email_verified_at": at, "updated_at": at},
        )

    async def change_status(
        self,
        user_id: uuid.UUID,
        to: AccountStatus,
        now: datetime,
        *,
        only_from: Collection[AccountStatus],
    ) -> bool:
        try:
            changed = await self._update_if(
                [
                    users.c.id == user_id,
                    users.c.account_status.in_([status.value for status in only_from]),
                ],
                {"account_status": to.value, "updated_at": now, **_NEXT_EPOCH},
            )
        except IntegrityError as error:
            # Back from deleted to live, with the email or username taken meanwhile.
            raise translate_integrity_error(error) from error
        if changed and to is AccountStatus.DELETED:  # a deleted account co-authors nothing
            await leave_every_script(self._connection, user_id, now)
        return changed

    async def hold_active(self, user_id: uuid.UUID) -> bool:
        return await self._statements.first(_HOLD_ACTIVE, {_OF_USER: user_id}) is not None

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

    async def _update_if(
        self, conditions: list[ColumnElement[bool]], values: dict[str, Any]
    ) -> bool:
        """One guarded UPDATE of a users row: whether a row matched `conditions` (checked
        again, on PostgreSQL, after waiting for a concurrent writer of the row to end)."""
        result = await self._connection.execute(
            update(users).where(*conditions).values(without_nul(values)).returning(users.c.id)
        )
        return result.first() is not None

    async def _exists(self, *conditions: ColumnElement[bool]) -> bool:
        result = await self._connection.execute(select(exists().where(*conditions)))
        return bool(result.scalar_one())


def _search_conditions(query: UserQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.text is not None:
        # Lower-cased here too: SQLite's lower() only folds ASCII letters.
        text = query.text.lower()
        # Inlined, not bound: a prepared statement's generic plan cannot tell that a
        # substring pattern is selective, and would scan the table instead of the trigram
        # index. The pattern is escaped here, so '%', '_' and '/' match themselves.
        escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
        pattern: BindParameter[str] = bindparam("user_text", f"%{escaped}%", literal_execute=True)
        conditions.append(users.c.search_text.like(pattern, escape="/"))
    if query.status is not None:
        conditions.append(users.c.account_status == query.status.value)
    return conditions
