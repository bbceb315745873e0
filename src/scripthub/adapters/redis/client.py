"""The Redis client every Redis adapter of a process shares."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection, SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError

MAX_CONNECTIONS = 100
"""Per process: more concurrent commands than this wait for a connection instead of failing."""
CONNECTION_WAIT_SECONDS = 5.0


class WaitingConnectionPool(ConnectionPool):
    """A pool of at most `max_connections` in use at once, where a command past that waits
    up to `timeout` seconds for a free connection, then fails as an unreachable Redis does.

    redis-py's `BlockingConnectionPool` does the same through a condition, a timeout and a
    lock on every command, waiting or not, which cost the hottest route (an update check,
    bench/README.md) a sixth of its CPU; here a free connection costs one uncontended
    semaphore acquire, and only a command that has to wait pays for a timeout.
    """

    def __init__(self, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._free = asyncio.Semaphore(self.max_connections)
        self._timeout = timeout

    async def get_connection(self, *args: Any, **kwargs: Any) -> AbstractConnection:
        if self._free.locked():
            try:
                await asyncio.wait_for(self._free.acquire(), self._timeout)
            except TimeoutError as waited_too_long:
                raise RedisConnectionError("No connection available.") from waited_too_long
        else:
            await self._free.acquire()
        try:
            connection: AbstractConnection = await super().get_connection(  # type: ignore[no-untyped-call]
                *args, **kwargs
            )
        except BaseException:
            self._free.release()
            raise
        return connection

    async def release(self, connection: AbstractConnection) -> None:
        try:
            await super().release(connection)
        finally:
            self._free.release()


def redis_client_for(url: str) -> Redis:
    """A client for `url` whose pool makes a burst wait for a free connection.

    redis-py's default pool raises "Too many connections" past its limit, so a burst of a
    few hundred concurrent requests would turn into 503s while Redis itself is fine; past
    `CONNECTION_WAIT_SECONDS` of waiting the command fails like an unreachable Redis.

    The client has no `socket_timeout`: the adapters bound each operation themselves
    (`errors.cache_unavailable_as_503`). redis-py's timeout runs every write under
    `asyncio.wait_for`, a task of its own on Python 3.11, and every reply under a timeout of
    its own, which cost an update check (one MULTI block) about a tenth of its CPU
    (bench/README.md).
    """
    pool = WaitingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=CONNECTION_WAIT_SECONDS,
        socket_timeout=None,
    )
    return Redis.from_pool(pool)


def redis_location(client: Redis) -> str:
    """Where `client` connects, as a URL without its password: what logs and errors name."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    db = kwargs.get("db", 0)
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={db}"
    scheme = "rediss" if issubclass(pool.connection_class, SSLConnection) else "redis"
    user = f"{kwargs['username']}@" if kwargs.get("username") else ""
    host = str(kwargs.get("host", "localhost"))
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{user}{host}:{kwargs.get('port', 6379)}/{db}"
