"""Adapters on Redis (redis-py asyncio): state shared by every process and host."""

from __future__ import annotations

from scripthub.adapters.redis.access_state import RedisAccessStateReader
from scripthub.adapters.redis.access_token_marks import RedisAccessTokenMarks
from scripthub.adapters.redis.client import redis_client_for
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.adapters.redis.health import RedisHealthProbe
from scripthub.adapters.redis.install_counter import RedisInstallCounter
from scripthub.adapters.redis.keys import SessionStoreKeys
from scripthub.adapters.redis.latest_code import RedisLatestCodeStore
from scripthub.adapters.redis.login_throttle import RedisLoginThrottle
from scripthub.adapters.redis.oauth_flows import RedisOAuthFlowStore
from scripthub.adapters.redis.permission_cache import PermissionCacheKeys, RedisPermissionCache
from scripthub.adapters.redis.rate_limiter import RedisRateLimiter
from scripthub.adapters.redis.session_store import RedisSessionStore

__all__ = [
    "PermissionCacheKeys",
    "RedisAccessStateReader",
    "RedisAccessTokenMarks",
    "RedisHealthProbe",
    "RedisInstallCounter",
    "RedisLatestCodeStore",
    "RedisLoginThrottle",
    "RedisOAuthFlowStore",
    "RedisPermissionCache",
    "RedisRateLimiter",
    "RedisSessionStore",
    "SessionStoreKeys",
    "cache_unavailable_as_503",
    "redis_client_for",
]
