"""Failed sign-ins per client and account in Redis, shared by every process and host."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from scripthub.adapters.redis.codec import epoch_ms, span_ms
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.login_throttle import ThrottlePolicy, subject_key, whole_seconds

if TYPE_CHECKING:
    from datetime import datetime

    from redis.asyncio import Redis

# A count is a hash {failures, expires_at, blocked_until} (epoch ms of the caller's clock),
# whose Redis expiry only collects it once the caller's clock has left it behind.
_RECORD_FAILURE = """
-- KEYS[1]: the count. ARGV: now, window (ms), threshold, then the policy's ladder (ms).
local now, window, threshold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stored = redis.call('HMGET', KEYS[1], 'failures', 'expires_at', 'blocked_until')
local failures, expires_at, blocked_until = 0, now + window, now
if stored[2] and tonumber(stored[2]) > now then
  failures, expires_at = tonumber(stored[1]), tonumber(stored[2])
  blocked_until = tonumber(stored[3])
end
failures = failures + 1
local delay = 0
if failures >= threshold then
  delay = tonumber(ARGV[3 + math.min(failures - threshold + 1, #ARGV - 3)])
  expires_at = now + window
  blocked_until = math.max(blocked_until, now + delay)
end
redis.call('HSET', KEYS[1], 'failures', failures, 'expires_at', expires_at,
  'blocked_until', blocked_until)
redis.call('PEXPIRE', KEYS[1], expires_at - now)
return delay
"""


class RedisLoginThrottle:
    """`LoginThrottle` on Redis: one hash per (client, subject), counted by one Lua script, so
    concurrent failures from any number of processes are each counted once."""

    def __init__(
        self, client: Redis, prefix: str = "scripthub:", policy: ThrottlePolicy | None = None
    ) -> None:
        self._client = client
        self._namespace = f"{prefix}login_failures:"
        policy = policy or ThrottlePolicy()
        self._policy_args = [
            span_ms(policy.window),
            policy.threshold,
            *(span_ms(delay) for delay in policy.ladder),
        ]
        self._record_failure = client.register_script(_RECORD_FAILURE)

    @cache_unavailable_as_503
    async def check(self, client: str, subject: str, now: datetime) -> int | None:
        blocked_until = await self._client.hget(self._key(client, subject), "blocked_until")
        wait_ms = 0 if blocked_until is None else int(blocked_until) - epoch_ms(now)
        return whole_seconds(timedelta(milliseconds=wait_ms)) if wait_ms > 0 else None

    @cache_unavailable_as_503
    async def record_failure(self, client: str, subject: str, now: datetime) -> int | None:
        keys = [self._key(client, subject)]
        delay_ms = await self._record_failure(keys=keys, args=[epoch_ms(now), *self._policy_args])
        return whole_seconds(timedelta(milliseconds=delay_ms)) if delay_ms else None

    @cache_unavailable_as_503
    async def reset(self, client: str, subject: str) -> None:
        await self._client.delete(self._key(client, subject))

    def _key(self, client: str, subject: str) -> str:
        return f"{self._namespace}{subject_key(client, subject)}"
