"""Connections for stores that work outside any unit of work: each call is its own short
transaction (or an autocommit read), and a database failure is a domain error."""

from __future__ import annotations

from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from scripthub.adapters.sqlalchemy.errors import database_errors

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class ShortTransactions:
    """`write()` is one transaction, committed when the block ends without an error; `read()`
    an autocommit connection (no BEGIN/ROLLBACK round trips).

    With `lock_sqlite_at_begin`, a SQLite transaction takes the write lock at BEGIN: pysqlite
    would otherwise BEGIN (deferred) only at the first write, after the SELECT, so two
    claimers could read the same rows.
    """

    def __init__(self, engine: AsyncEngine, *, lock_sqlite_at_begin: bool = False) -> None:
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._begin_immediate = lock_sqlite_at_begin and engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        with database_errors():
            if not self._begin_immediate:
                async with self._engine.begin() as connection:
                    yield connection
                return
            async with self._autocommit.connect() as connection:
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    # SQLite rolls back by itself on some errors; the original error matters.
                    with suppress(SQLAlchemyError):
                        await connection.exec_driver_sql("ROLLBACK")
                    raise
                await connection.exec_driver_sql("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with database_errors():
            async with self._autocommit.connect() as connection:
                yield connection
