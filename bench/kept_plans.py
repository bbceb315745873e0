"""The statements a product sends, and the plans PostgreSQL keeps for them: helpers of the
list benches that need nothing of the product (so that they serve any source tree's)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@contextlib.contextmanager
def recorded(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def shape(plan: str) -> list[str]:
    """The plan's nodes and indexes, without costs and timings."""
    return [
        re.sub(r"\s*\(.*", "", line)
        for line in plan.splitlines()
        if "->" in line or line[:1].isalpha()
        if not line.startswith(("Planning", "Execution"))
    ]


@dataclass(frozen=True)
class Prepared:
    """A statement prepared on `connection`, run 6 times: its plan is the one PostgreSQL
    keeps (what asyncpg's statement cache does)."""

    connection: AsyncConnection
    raw: Any
    """The driver's connection, to run `execute` by the simple protocol (rows read and
    dropped)."""
    execute: str


@contextlib.asynccontextmanager
async def prepared(engine: AsyncEngine, statement: str, parameters: Any) -> AsyncIterator[Prepared]:
    args = ", ".join(literal(value) for value in parameters) if parameters else ""
    execute = f"EXECUTE bench_listing({args})" if args else "EXECUTE bench_listing"
    async with engine.connect() as connection:
        await connection.exec_driver_sql(f"PREPARE bench_listing AS {statement}")
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        for _ in range(6):
            await raw.execute(execute)
        yield Prepared(connection, raw, execute)
        await connection.exec_driver_sql("DEALLOCATE bench_listing")
        await connection.rollback()


async def generic_plan(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    """The plan PostgreSQL runs the statement with once it has been executed 6 times as a
    prepared statement, from EXPLAIN (ANALYZE, BUFFERS) EXECUTE; then the forced generic
    plan's summary if that one was custom."""
    async with prepared(engine, statement, parameters) as kept:
        connection, execute = kept.connection, kept.execute
        result = await connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {execute}")
        plan = "\n".join(row[0] for row in result)
        lines = ["-- after 6 executions (plan_cache_mode = auto, as the server runs it)", plan]
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        result = await connection.exec_driver_sql(f"EXPLAIN {execute}")
        generic = "\n".join(row[0] for row in result)
        if shape(generic) != shape(plan):
            lines += ["-- forced generic plan (plan_cache_mode = force_generic_plan)", generic]
        else:
            lines += ["-- (the forced generic plan is the same)"]
    return "\n".join(lines)
