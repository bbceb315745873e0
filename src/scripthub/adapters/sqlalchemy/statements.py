"""How repositories run the statements of the hot paths, in their unit of work's transaction:
through SQLAlchemy's connection (SQLite), or compiled once and sent on asyncpg's own
connection (PostgreSQL).

A statement run this way is built once (a module constant, or cached per shape) with its
values as named `bindparam`s, and is given those values at each run. Both runners hand back
rows read by column name (`ColumnValues`) and raise SQLAlchemy's exception types, so the
repositories and `errors.domain_error_for` treat them alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import asyncpg
from sqlalchemy import bindparam
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from scripthub.adapters.database_driver import is_unavailable_sqlstate

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

    from sqlalchemy import BindParameter, Delete, Dialect, Insert, Select, Update
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.rows import ColumnValues

    Statement = Select[Any] | Insert | Update | Delete


def new_value(column: str) -> str:
    """The parameter of a column's value in an INSERT or UPDATE built once: SQLAlchemy
    reserves the column's own name for the values it binds itself."""
    return f"new_{column}"


def new_value_parameters(columns: Iterable[str]) -> dict[str, BindParameter[Any]]:
    """The `values` of an INSERT or UPDATE built once: a `new_value` parameter per column."""
    return {column: bindparam(new_value(column)) for column in columns}


def new_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Columns' `values` as the `new_value_parameters` of a statement take them."""
    return {new_value(name): value for name, value in values.items()}


class Statements(Protocol):
    """Runs a prepared-once statement with `values` for its named parameters."""

    async def first(
        self, statement: Statement, values: Mapping[str, Any]
    ) -> ColumnValues | None: ...

    async def all(
        self, statement: Statement, values: Mapping[str, Any]
    ) -> Sequence[ColumnValues]: ...

    async def run(self, statement: Statement, values: Mapping[str, Any]) -> None: ...

    async def run_many(self, statement: Statement, values: Sequence[Mapping[str, Any]]) -> None: ...


class SqlAlchemyStatements:
    """`Statements` on SQLAlchemy's connection: compiled (and its compiled form cached) by
    SQLAlchemy at each run."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def first(self, statement: Statement, values: Mapping[str, Any]) -> ColumnValues | None:
        result = await self._connection.execute(statement, dict(values))
        return result.mappings().first()

    async def all(self, statement: Statement, values: Mapping[str, Any]) -> Sequence[ColumnValues]:
        result = await self._connection.execute(statement, dict(values))
        return result.mappings().all()

    async def run(self, statement: Statement, values: Mapping[str, Any]) -> None:
        await self._connection.execute(statement, dict(values))

    async def run_many(self, statement: Statement, values: Sequence[Mapping[str, Any]]) -> None:
        await self._connection.execute(statement, [dict(row) for row in values])


class CompiledStatement:
    """A statement's SQL as SQLAlchemy sends it on `dialect`, and its positional arguments
    from named values: each parameter's default (a literal of the statement) unless given,
    converted by its type's bind processor as SQLAlchemy would (UTC timestamps, JSON text)."""

    __slots__ = ("_parameters", "sql")

    def __init__(self, statement: Statement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._parameters: list[tuple[str, Any, Callable[[Any], Any] | None]] = [
            (
                name,
                compiled.params[name],
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in compiled.positiontup or ()
        ]

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name, default, process in self._parameters:
            value = values.get(name, default)
            arguments.append(value if process is None else process(value))
        return arguments


class AsyncpgStatements:
    """`Statements` on asyncpg's connection under SQLAlchemy's (which prepares each SQL text
    once per connection): SQLAlchemy's compilation, execution context and result rows cost
    more CPU than the round trip itself (bench/README.md, 2026-12-07). Rows are asyncpg
    records, whose values are those the columns' types would give: aware UTC datetimes,
    UUIDs, and JSON documents decoded by the codecs SQLAlchemy's dialect installs on each
    connection.

    The transaction is the asyncpg dialect adapter's (`_transaction`, the one private
    attribute of SQLAlchemy used here): the first statement sent this way begins an asyncpg
    transaction and hands it to the adapter, as the adapter does before its own first
    statement, so statements sent either way share it; `commit` ends it as the adapter's
    commit does, and the next statement begins another; the pool's reset on check-in rolls
    back what was not committed. Through asyncpg rather than the adapter (a greenlet hop and
    its bookkeeping each), BEGIN and COMMIT cost a third of the CPU. A lost connection is
    aborted at once and `broken` says so, for the unit of work to drop it from the pool, as
    `engine._abort_timed_out_connection` does for SQLAlchemy's statements.
    """

    _compiled: dict[Statement, CompiledStatement] = {}  # noqa: RUF012 - shared on purpose
    """Per statement object, for every asyncpg engine: their dialects compile alike."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.broken = False

    async def first(self, statement: Statement, values: Mapping[str, Any]) -> ColumnValues | None:
        row: ColumnValues | None = await self._sent(
            statement,
            lambda driver, compiled: driver.fetchrow(compiled.sql, *compiled.arguments(values)),
        )
        return row

    async def all(self, statement: Statement, values: Mapping[str, Any]) -> Sequence[ColumnValues]:
        rows: list[ColumnValues] = await self._sent(
            statement,
            lambda driver, compiled: driver.fetch(compiled.sql, *compiled.arguments(values)),
        )
        return rows

    async def run(self, statement: Statement, values: Mapping[str, Any]) -> None:
        await self._sent(
            statement,
            lambda driver, compiled: driver.execute(compiled.sql, *compiled.arguments(values)),
        )

    async def run_many(self, statement: Statement, values: Sequence[Mapping[str, Any]]) -> None:
        await self._sent(
            statement,
            lambda driver, compiled: driver.executemany(
                compiled.sql, [compiled.arguments(row) for row in values]
            ),
        )

    async def _sent(
        self,
        statement: Statement,
        send: Callable[[asyncpg.Connection, CompiledStatement], Awaitable[Any]],
    ) -> Any:
        """What `send` answers for `statement`, compiled, on asyncpg's connection in the
        transaction; a driver error raised as SQLAlchemy would raise it."""
        compiled = self._compile(statement)
        driver = await self._in_transaction()
        try:
            return await send(driver, compiled)
        except _DRIVER_ERRORS as error:
            raise self._wrapped(error, compiled.sql) from error

    def _compile(self, statement: Statement) -> CompiledStatement:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = CompiledStatement(statement, self._connection.dialect)
            self._compiled[statement] = compiled
        return compiled

    async def commit(self) -> None:
        """Commit the transaction, if one was begun (by a statement sent either way)."""
        adapted = self._adapted()
        transaction = adapted._transaction  # see the class docstring
        if transaction is None:
            return
        adapted._transaction = None  # ended, whatever the outcome, as the adapter's commit does
        try:
            await transaction.commit()
        except _DRIVER_ERRORS as error:
            raise self._wrapped(error, "COMMIT") from error

    async def _in_transaction(self) -> asyncpg.Connection:
        """asyncpg's connection, in the adapter's transaction (begun here if none is)."""
        adapted = self._adapted()
        driver: asyncpg.Connection = adapted.driver_connection
        if adapted._transaction is None:  # see the class docstring
            transaction = driver.transaction()
            try:
                await transaction.start()
            except _DRIVER_ERRORS as error:
                raise self._wrapped(error, "BEGIN") from error
            adapted._transaction = transaction
        return driver

    def _adapted(self) -> Any:
        """The asyncpg dialect's DBAPI connection around asyncpg's."""
        connection = self._connection.sync_connection
        assert connection is not None  # noqa: S101 - an AsyncConnection once started
        return connection.connection.dbapi_connection

    def _wrapped(self, error: Exception, sql: str) -> DBAPIError:
        """`error` as SQLAlchemy would raise it for the same statement."""
        if isinstance(error, asyncpg.IntegrityConstraintViolationError):
            return IntegrityError(sql, None, error)
        if isinstance(error, asyncpg.PostgresError) and not is_unavailable_sqlstate(error.sqlstate):
            return DBAPIError(sql, None, error)
        self._abort()
        return OperationalError(sql, None, error, connection_invalidated=True)

    def _abort(self) -> None:
        """Drop a connection that failed: aborted, not closed (a graceful close would wait
        for a silent server), and `broken` from now on."""
        connection = self._connection.sync_connection
        if connection is not None and not connection.invalidated:
            driver: Any = connection.connection.driver_connection
            driver.terminate()
        self.broken = True


_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
