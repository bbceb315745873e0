"""`AccountReader`: the own-account read in one statement, outside any transaction."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_, greenlet_spawn

from scripthub.adapters.database_driver import is_unavailable_sqlstate
from scripthub.adapters.sqlalchemy.errors import database_errors
from scripthub.adapters.sqlalchemy.provider_links import auth_providers
from scripthub.adapters.sqlalchemy.roles_table import roles, user_roles
from scripthub.adapters.sqlalchemy.rows import ColumnValues
from scripthub.adapters.sqlalchemy.users_table import (
    PROFILE_COLUMNS,
    user_from_row,
    user_profiles,
    users,
)
from scripthub.application.accounts import OwnUser
from scripthub.domain.errors import ServiceUnavailableError

_USER_ID = "user_id"


def _account_statement(dialect: str) -> Select[Any]:
    # Role names and provider names never contain a comma (domain.roles.ROLE_PATTERN,
    # domain.providers.Provider), so a joined string is a lossless list.
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    role_names = (
        select(aggregate(roles.c.name, ","))
        .select_from(user_roles.join(roles, roles.c.id == user_roles.c.role_id))
        .where(user_roles.c.user_id == users.c.id)
        .scalar_subquery()
    )
    providers = (
        select(aggregate(auth_providers.c.provider, ","))
        .where(auth_providers.c.user_id == users.c.id)
        .scalar_subquery()
    )
    return (
        select(
            users,
            *(user_profiles.c[name] for name in PROFILE_COLUMNS),
            role_names.label("roles"),
            providers.label("providers"),
        )
        .join(user_profiles, user_profiles.c.user_id == users.c.id, isouter=True)
        .where(users.c.id == bindparam(_USER_ID))
    )


class SqlAlchemyAccountReader:
    """Built once, run outside any transaction: a single round trip per read.

    On PostgreSQL the statement is compiled once and run with asyncpg's `fetchrow` on a
    connection of the engine's pool, checkout and checkin included, in one greenlet: going
    through `AsyncConnection` and `execute` cost as much CPU as the rest of
    GET /api/users/me (bench/README.md). asyncpg hands back the same Python values the
    columns' types would (aware UTC datetimes, UUIDs), so the row maps the same way.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._statement = _account_statement(engine.dialect.name)
        self._on_asyncpg = engine.dialect.driver == "asyncpg"
        compiled = self._statement.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._parameters = [(name, compiled.params[name]) for name in compiled.positiontup or ()]
        self._pool = engine.sync_engine.pool
        self._connect_errors = (OSError, TimeoutError, engine.dialect.loaded_dbapi.Error)

    async def account(self, user_id: uuid.UUID) -> OwnUser | None:
        with database_errors():
            if self._on_asyncpg:
                row = await greenlet_spawn(self._fetch_on_driver, user_id)
            else:
                async with self._engine.connect() as connection:
                    result = await connection.execute(self._statement, {_USER_ID: user_id})
                    row = result.mappings().first()
        if row is None:
            return None
        return OwnUser(user_from_row(row), _names(row["roles"]), _names(row["providers"]))

    def _fetch_on_driver(self, user_id: uuid.UUID) -> ColumnValues | None:
        """Runs in a greenlet, as SQLAlchemy's own pool code expects."""
        try:
            connection = self._pool.connect()
        except self._connect_errors as error:
            raise ServiceUnavailableError("database unavailable") from error
        arguments = [user_id if name == _USER_ID else value for name, value in self._parameters]
        driver: Any = connection.driver_connection  # asyncpg's
        try:
            row: ColumnValues | None = await_(driver.fetchrow(self._sql, *arguments))
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            if isinstance(error, asyncpg.PostgresError) and not is_unavailable_sqlstate(
                error.sqlstate
            ):
                raise
            # SQLAlchemy never saw this error, so it would keep a dead connection pooled.
            # Aborted first: a graceful close would wait for a silent server to acknowledge
            # the cancel of a timed-out statement.
            driver.terminate()
            connection.invalidate()
            raise ServiceUnavailableError("database unavailable") from error
        finally:
            connection.close()
        return row


def _names(joined: str | None) -> list[str]:
    return sorted(set(joined.split(","))) if joined else []
