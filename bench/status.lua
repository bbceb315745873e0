-- GET wrk.path, every answer expected to have one status; those below 400 that have another
-- are counted (`unexpected` in BENCH_JSON; wrk counts 400 and up as errors itself).
-- Usage: wrk ... -s status.lua URL -- EXPECTED_STATUS [IF_NONE_MATCH]
-- e.g. update checks of a current copy: -- 304 '"<the script's sha256>"'
dofile("common.lua")

local expected, prepared
unexpected = 0 -- a global: done() reads it from each thread

function init(args)
  expected = tonumber(args[1])
  local headers = {}
  if args[2] then
    headers["If-None-Match"] = args[2]
  end
  prepared = wrk.format("GET", wrk.path, headers)
end

function request()
  return prepared
end

function response(status)
  if status ~= expected and status < 400 then
    unexpected = unexpected + 1
  end
end
