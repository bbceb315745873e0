-- GET wrk.path with a bearer token; each thread cycles through its share of the tokens.
-- Usage: wrk ... -s get.lua URL -- ACCESS_TOKENS_FILE THREADS
local common = dofile("common.lua")

local requests, next_index

function init(args)
  local tokens = common.share(common.lines(args[1]), id, tonumber(args[2]))
  requests = {}
  for i, token in ipairs(tokens) do
    requests[i] = wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. token })
  end
  next_index = 0
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
