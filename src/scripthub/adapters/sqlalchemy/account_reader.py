"""`AccountReader`: the own-account read in one statement, outside any transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from scripthub.adapters.sqlalchemy.errors import database_errors
from scripthub.adapters.sqlalchemy.mapping import PROFILE_COLUMNS, user_from_row
from scripthub.adapters.sqlalchemy.tables import auth_providers, user_profiles, users
from scripthub.application.ports.account_reader import AccountSnapshot


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
        .where(users.c.id == bindparam("user_id"))
    )


class SqlAlchemyAccountReader:
    """Built once, run in autocommit mode: a single round trip per read on PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._statement = _account_statement(engine.dialect.name)

    async def account(self, user_id: uuid.UUID) -> AccountSnapshot | None:
        with database_errors():
            async with self._engine.connect() as connection:
                result = await connection.execute(self._statement, {"user_id": user_id})
                row = result.mappings().first()
        if row is None:
            return None
        providers = sorted(set(row["providers"].split(","))) if row["providers"] else []
        return AccountSnapshot(user_from_row(row), providers)
