-- PATCH /api/users/me with a bearer token; each thread cycles through its share of the
-- tokens (as get.lua does). The bio names the run's nonce, the thread and a counter of the
-- thread, so it differs from the stored one on every request: every request writes (the
-- product skips the UPDATE when nothing changes). run.py counts the audit rows to confirm.
-- Usage: wrk ... -s patch.lua URL -- ACCESS_TOKENS_FILE THREADS NONCE
local common = dofile("common.lua")

local tokens, nonce, counter

function init(args)
  tokens = common.json_bearers(args[1], id, tonumber(args[2]))
  nonce, counter = args[3], 0
end

function request()
  counter = counter + 1
  return wrk.format("PATCH", wrk.path, tokens[(counter - 1) % #tokens + 1],
    '{"profile":{"bio":"bench ' .. nonce .. ' ' .. id .. ' ' .. counter .. '"}}')
end
