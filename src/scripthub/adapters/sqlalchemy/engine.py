"""Engines for SQLite (embedded) and PostgreSQL (production), and their health probe."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from scripthub.adapters.database_driver import sqlite_file
from scripthub.adapters.sqlalchemy.scripts_search import SEARCH_ROWID_FUNCTION, stored_search_rowid
from scripthub.adapters.sqlalchemy.sqlite_relevance import RELEVANCE_FUNCTION, relevance

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection, ExceptionContext
    from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 5000
# Reads of the database file through a memory map rather than a read call per page, from
# the page cache every connection and process shares: search and lists at 100k scripts
# (a 220 MB file) run in 0.6 of the time (bench/README.md). Address space, not memory.
SQLITE_MMAP_SIZE = 1 << 30
# A server that stops answering must not hold requests: each step of a database call (waiting
# for a pooled connection, opening one, each statement) gives up after about five seconds,
# and the request is then a 503.
POSTGRES_CONNECT_TIMEOUT_S = 5
POSTGRES_POOL_TIMEOUT_S = 5
POSTGRES_COMMAND_TIMEOUT_S = 5
# The server cancels a statement a second before the client would give up on it: a server
# that is slow (a lock wait) but alive answers with an error and the connection stays usable.
POSTGRES_STATEMENT_TIMEOUT_MS = 4000
# Ends the session of a client that froze or vanished mid-transaction, releasing its locks.
POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000
# Sized for the concurrency of one busy worker: connections opened and closed under load
# (overflow) cost far more than idle ones (bench/README.md).
POSTGRES_POOL_SIZE = 20
POSTGRES_MAX_OVERFLOW = 10


def create_engine(
    url: str, pool_size: int = POSTGRES_POOL_SIZE, max_overflow: int = POSTGRES_MAX_OVERFLOW
) -> AsyncEngine:
    """An async engine for a `sqlite+aiosqlite://` or `postgresql+asyncpg://` URL.

    On PostgreSQL each process keeps up to `pool_size` connections open and opens up to
    `max_overflow` more for bursts; SQLite ignores both. A PostgreSQL call that outlives its
    deadline (above) raises `TimeoutError` (an `OSError`: the database is unavailable), and a
    connection stuck in a statement is dropped, never pooled again.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        return engine
    if backend == "postgresql":
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=POSTGRES_POOL_TIMEOUT_S,
            # A ping per checkout would double the round trips of every request; a dead
            # connection surfaces as an error instead and is dropped from the pool.
            pool_pre_ping=False,
            connect_args={
                "timeout": POSTGRES_CONNECT_TIMEOUT_S,
                "command_timeout": POSTGRES_COMMAND_TIMEOUT_S,
                "server_settings": {
                    # Compiling a statement costs 75 ms to 1 s; PostgreSQL starts at a
                    # planned cost no statement of ours needs it for (a search's tiers,
                    # `script_tiers`, are costed at ten rounds of the recursion).
                    "jit": "off",
                    "statement_timeout": str(POSTGRES_STATEMENT_TIMEOUT_MS),
                    "idle_in_transaction_session_timeout": str(
                        POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS
                    ),
                },
            },
        )
        event.listen(engine.sync_engine, "handle_error", _abort_timed_out_connection)
        return engine
    msg = f"unsupported database backend {backend!r}: use sqlite+aiosqlite or postgresql+asyncpg"
    raise ValueError(msg)


def _abort_timed_out_connection(context: ExceptionContext) -> None:
    """Drop a connection whose statement outlived `command_timeout` at once.

    SQLAlchemy invalidates it (it counts a timeout as an exit exception), but asyncpg's
    graceful close would first wait up to two more seconds for the server to acknowledge
    the cancel; a server that let the statement outlive its own `statement_timeout` is not
    answering, so the socket is aborted instead.
    """
    connection = context.connection
    if not isinstance(context.original_exception, TimeoutError) or connection is None:
        return
    context.is_disconnect = True
    if not connection.invalidated and (driver := connection.connection.driver_connection):
        driver.terminate()


def _configure_sqlite_connection(
    dbapi_connection: DBAPIConnection,
    connection_record: ConnectionPoolEntry,  # noqa: ARG001
) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL lets readers proceed while one writer commits; busy_timeout makes writers
        # queue for the lock instead of failing at once.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_SIZE}")
    finally:
        cursor.close()
    # Lists narrowed by common words test each script they walk against the search index
    # by its row id (`script_probes`).
    dbapi_connection.create_function(
        SEARCH_ROWID_FUNCTION, 1, stored_search_rowid, deterministic=True
    )
    # A search's candidates are tested and ranked one row at a time (`sqlite_relevance`).
    dbapi_connection.create_function(RELEVANCE_FUNCTION, 5, relevance, deterministic=True)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file if it is missing."""
    if path := sqlite_file(url):
        path.parent.mkdir(parents=True, exist_ok=True)


class SqlAlchemyHealthProbe:
    """`HealthProbe` for the relational database: a `SELECT 1` within a time limit."""

    def __init__(self, engine: AsyncEngine, timeout: float = 3.0) -> None:
        self._engine = engine
        self._timeout = timeout

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - a probe reports failure, whatever its cause
            return False
        return True
