-- PUT wrk.path (/api/scripts/{id}/rating) with a bearer token; each thread cycles through its
-- share of the tokens (as get.lua does) and through the scores 1 to 5, so that a rater's score
-- changes from one of its requests to the next.
-- Usage: wrk ... -s rate.lua URL -- ACCESS_TOKENS_FILE THREADS
local common = dofile("common.lua")

local tokens, counter

function init(args)
  tokens = common.json_bearers(args[1], id, tonumber(args[2]))
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format("PUT", wrk.path, tokens[(counter - 1) % #tokens + 1],
    '{"score":' .. (counter % 5 + 1) .. '}')
end
