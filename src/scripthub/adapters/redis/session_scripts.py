"""Lua scripts of the Redis token store: each runs atomically on the server.

Every script gets the key namespaces as ARGV[1..3] (session, ended_session,
user_sessions) so that key names are spelt once, in `SessionStoreKeys`. Scripts touch keys
derived from stored session ids, which is fine on a single server (not Redis Cluster).
"""

from __future__ import annotations

_PRELUDE = """
local session_ns, ended_session_ns, user_sessions_ns = ARGV[1], ARGV[2], ARGV[3]

-- Ends a live session: its hash moves, with its expiry, to the ended namespace, where the
-- refresh and rotated keys (left in place) still find it. 1 if it was live.
local function end_session(sid)
  local key = session_ns .. sid
  local user_id = redis.call('HGET', key, 'user_id')
  if not user_id then
    return 0
  end
  redis.call('RENAME', key, ended_session_ns .. sid)
  redis.call('SREM', user_sessions_ns .. user_id, sid)
  return 1
end

-- Makes the token behind `new_refresh_key` the current one of live session `sid` (hash
-- `key`, expiring at `expires_ms`) in place of `old_refresh_key`, which is deleted.
local function make_current(key, sid, old_refresh_key, new_refresh_key, new_hash, now, expires_ms)
  redis.call('DEL', old_refresh_key)
  redis.call('SET', new_refresh_key, sid, 'PXAT', expires_ms)
  redis.call('HSET', key, 'token_hash', new_hash, 'last_used_at', now)
end
"""

ROTATE = (
    _PRELUDE
    + """
-- KEYS: refresh:{old}, rotated:{old}, refresh:{new}
-- ARGV[4..]: new hash, now (epoch seconds), grace (seconds)
local new_hash, now, grace = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])

-- The key and expiry (epoch seconds) of session `sid` in namespace `ns`, if that key
-- exists and the session has not expired at `now`.
local function unexpired(ns, sid)
  local key = ns .. sid
  local expires_at = tonumber(redis.call('HGET', key, 'expires_at'))
  if expires_at == nil or expires_at <= now then
    return nil
  end
  return key, expires_at
end

-- The reply for a token whose session `sid` is not live: ENDED until it would have
-- expired, UNKNOWN after.
local function not_live(sid)
  local key = unexpired(ended_session_ns, sid)
  if not key then
    return {'UNKNOWN'}
  end
  return {'ENDED', sid, unpack(redis.call('HGETALL', key))}
end

local sid = redis.call('GET', KEYS[1])
if sid then
  local key, expires_at = unexpired(session_ns, sid)
  if not key then
    return not_live(sid)
  end
  local expires_ms = string.format('%d', expires_at * 1000)
  make_current(key, sid, KEYS[1], KEYS[3], new_hash, ARGV[5], expires_ms)
  redis.call('SET', KEYS[2], sid .. '|' .. ARGV[5], 'PXAT', expires_ms)
  return {'ROTATED', sid, unpack(redis.call('HGETALL', key))}
end

local rotated = redis.call('GET', KEYS[2])
if not rotated then
  return {'UNKNOWN'}
end
local bar = string.find(rotated, '|', 1, true)
sid = string.sub(rotated, 1, bar - 1)
local key = unexpired(session_ns, sid)
if not key then
  return not_live(sid)
end
local session = redis.call('HGETALL', key)
if now - tonumber(string.sub(rotated, bar + 1)) <= grace then
  if redis.call('HGET', key, 'token_hash') == new_hash then
    return {'ALREADY_ROTATED', sid, unpack(session)}
  end
  return {'SUPERSEDED_IN_GRACE', sid, unpack(session)}
end
end_session(sid)
return {'REUSED', sid, unpack(session)}
"""
)

END_SESSION = (
    _PRELUDE
    + """
-- ARGV[4]: session id. Returns 1 if it was live.
return end_session(ARGV[4])
"""
)

END_USER_SESSIONS = (
    _PRELUDE
    + """
-- ARGV[4]: user id, ARGV[5]: a session id to keep (or ''). Returns how many were live.
local user_key = user_sessions_ns .. ARGV[4]
local ended = 0
for _, sid in ipairs(redis.call('SMEMBERS', user_key)) do
  if sid ~= ARGV[5] then
    ended = ended + end_session(sid)
    -- Also drops ids whose session hash already expired.
    redis.call('SREM', user_key, sid)
  end
end
return ended
"""
)

REISSUE = (
    _PRELUDE
    + """
-- KEYS: session:{id}, refresh:{new}
-- ARGV[4..]: session id, new hash, now (epoch seconds), the refresh namespace, the account's
-- session epoch
-- The replaced token's key is deleted, not marked rotated: presenting it is then UNKNOWN.
local sid, new_hash, now, refresh_ns = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local expires_at = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
if expires_at == nil or expires_at <= tonumber(now) then
  return {}
end
local old_refresh_key = refresh_ns .. redis.call('HGET', KEYS[1], 'token_hash')
make_current(KEYS[1], sid, old_refresh_key, KEYS[2], new_hash, now,
  string.format('%d', expires_at * 1000))
redis.call('HSET', KEYS[1], 'epoch', ARGV[8])
return redis.call('HGETALL', KEYS[1])
"""
)
