"""`AccountReader`: the own-account read in one statement, outside any transaction."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from scripthub.adapters.sqlalchemy.errors import database_errors, is_unavailable_sqlstate
from scripthub.adapters.sqlalchemy.mapping import PROFILE_COLUMNS, ColumnValues, user_from_row
from scripthub.adapters.sqlalchemy.tables import auth_providers, user_profiles, users
from scripthub.application.ports.account_reader import AccountSnapshot
from scripthub.domain.errors import ServiceUnavailableError

_USER_ID = "user_id"


def _account_statement(dialect: str) -> Select[Any]:
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    providers = (
        select(aggregate(auth_providers.c.provider, ","))
        .where(auth_providers.c.user_id == users.c.id)
        .scalar_subquery()
    )
    return (
        select(
            users,
            *(user_profiles.c[name] for name in PROFILE_COLUMNS),
            providers.label("providers"),
        )
        .join(user_profiles, user_profiles.c.user_id == users.c.id, isouter=True)
        .where(users.c.id == bindparam(_USER_ID))
    )


class SqlAlchemyAccountReader:
    """Built once, run in autocommit mode: a single round trip per read.

    On PostgreSQL the statement is compiled once and run with asyncpg's `fetchrow` on a
    pooled connection: SQLAlchemy's per-execution work (execution context, result metadata,
    the greenlet hop) cost as much CPU as the rest of GET /api/users/me (bench/README.md).
    asyncpg hands back the same Python values the columns' types would (aware UTC datetimes,
    UUIDs), so the row maps the same way.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._statement = _account_statement(engine.dialect.name)
        self._on_asyncpg = engine.dialect.driver == "asyncpg"
        compiled = self._statement.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._parameters = [(name, compiled.params[name]) for name in compiled.positiontup or ()]

    async def account(self, user_id: uuid.UUID) -> AccountSnapshot | None:
        with database_errors():
            async with self._engine.connect() as connection:
                if self._on_asyncpg:
                    row = await self._fetch_on_driver(connection, user_id)
                else:
                    result = await connection.execute(self._statement, {_USER_ID: user_id})
                    row = result.mappings().first()
        if row is None:
            return None
        providers = sorted(set(row["providers"].split(","))) if row["providers"] else []
        return AccountSnapshot(user_from_row(row), providers)

    async def _fetch_on_driver(
        self, connection: AsyncConnection, user_id: uuid.UUID
    ) -> ColumnValues | None:
        driver: Any = (await connection.get_raw_connection()).driver_connection  # asyncpg's
        arguments = [user_id if name == _USER_ID else value for name, value in self._parameters]
        try:
            row: ColumnValues | None = await driver.fetchrow(self._sql, *arguments)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            # SQLAlchemy never saw this error, so it would keep a dead connection pooled.
            unavailable = not isinstance(error, asyncpg.PostgresError) or (
                is_unavailable_sqlstate(error.sqlstate)
            )
            if not unavailable:
                raise
            await connection.invalidate()
            raise ServiceUnavailableError("database unavailable") from error
        return row
