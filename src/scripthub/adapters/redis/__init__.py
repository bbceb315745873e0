"""Adapters on Redis (redis-py asyncio): state shared by every process and host."""

from __future__ import annotations

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.adapters.redis.health import RedisHealthProbe
from scripthub.adapters.redis.keys import TokenStoreKeys
from scripthub.adapters.redis.rate_limiter import RedisRateLimiter
from scripthub.adapters.redis.token_store import RedisTokenStore

__all__ = [
    "RedisHealthProbe",
    "RedisRateLimiter",
    "RedisTokenStore",
    "TokenStoreKeys",
    "cache_unavailable_as_503",
]
