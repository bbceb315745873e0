"""The Redis client every Redis adapter of a process shares."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

MAX_CONNECTIONS = 100
"""Per process: more concurrent commands than this wait for a connection instead of failing."""
CONNECTION_WAIT_SECONDS = 5.0


def redis_client_for(url: str) -> Redis:
    """A client for `url` whose pool makes a burst wait for a free connection.

    redis-py's default pool raises "Too many connections" past its limit, so a burst of a
    few hundred concurrent requests would turn into 503s while Redis itself is fine; past
    `CONNECTION_WAIT_SECONDS` of waiting the command fails like an unreachable Redis.
    """
    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=CONNECTION_WAIT_SECONDS
    )
    return Redis.from_pool(pool)
