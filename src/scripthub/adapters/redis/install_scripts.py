"""Lua scripts of the Redis install counter: each runs atomically on the server.

Pending counts are a hash {script id: installs}. A claim renames it to a key of its own and
notes that key in a sorted set scored by when it was claimed, so that a claim left behind by a
dead flusher can be found and merged back. Scripts touch claim keys read from that set, which
is fine on a single server (not Redis Cluster).
"""

from __future__ import annotations

_MERGE = """
-- Adds the counts of hash `from` to hash `into`, then deletes `from`.
local function merge(from, into)
  local fields = redis.call('HGETALL', from)
  for i = 1, #fields, 2 do
    redis.call('HINCRBY', into, fields[i], fields[i + 1])
  end
  redis.call('DEL', from)
end
"""

RECORD = """
-- KEYS: the (script, client) pair's key, pending. ARGV: now, the end of a window opened now
-- (epoch ms of the caller's clock), the window (ms), the script id. 1 if counted.
-- The pair's key holds the end of its window; its Redis expiry only collects it afterwards.
local ends_at = tonumber(redis.call('GET', KEYS[1]))
if ends_at and ends_at > tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
return 1
"""

CLAIM = (
    _MERGE
    + """
-- KEYS: pending, claims, the new claim's key. ARGV: now, claims this old or older are orphans
-- (epoch ms). The claimed counts as a flat [script id, count, ...] list, empty if none.
for _, orphan in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])) do
  merge(orphan, KEYS[1])
  redis.call('ZREM', KEYS[2], orphan)
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
redis.call('RENAME', KEYS[1], KEYS[3])
redis.call('ZADD', KEYS[2], ARGV[1], KEYS[3])
return redis.call('HGETALL', KEYS[3])
"""
)

SETTLE = """
-- KEYS: the claim's key, claims. 1 if it was still held (and is now gone).
if redis.call('ZREM', KEYS[2], KEYS[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
"""

RELEASE = (
    _MERGE
    + """
-- KEYS: the claim's key, claims, pending.
if redis.call('ZREM', KEYS[2], KEYS[1]) == 1 then
  merge(KEYS[1], KEYS[3])
end
return 0
"""
)

RESTORE = """
-- KEYS: pending. ARGV: script id, count, script id, count...
for i = 1, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 0
"""
