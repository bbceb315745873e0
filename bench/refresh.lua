-- POST /api/auth/refresh with token chaining: every refresh token is used exactly once.
--
-- Each thread holds a FIFO queue of unused refresh tokens (its share of the seeded file).
-- request() takes the oldest; response() puts the new token of every 200 reply at the back.
-- Responses and requests of different connections interleave, so the queue (not a variable
-- per connection) is what keeps every token single-use; its length stays constant while
-- every reply is a 200. A failed refresh loses one token, and wrk counts it as an error.
-- Usage: wrk ... -s refresh.lua URL -- REFRESH_TOKENS_FILE THREADS
local common = dofile("common.lua")

local queue, head, tail
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  queue = common.share(common.lines(args[1]), id, tonumber(args[2]))
  head, tail = 1, #queue
end

function request()
  local token
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  else
    token = "exhausted" -- all in flight or lost: answered 401, counted as an error
  end
  return wrk.format("POST", "/api/auth/refresh", headers,
    '{"refresh_token":"' .. token .. '"}')
end

function response(status, _, body)
  if status == 200 then
    local token = body:match('"refresh_token":"([^"]+)"')
    if token then
      tail = tail + 1
      queue[tail] = token
    end
  end
end
