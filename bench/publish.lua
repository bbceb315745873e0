-- POST /api/scripts/{id}/versions by the scripts' owner, a new version of the thread's share of
-- the scripts each request, in turn. Run with one connection per thread and a script per
-- thread (run.py does), each script gets its versions one after the other, each greater than
-- the last: "MAJOR.<counter of the thread>", MAJOR new for every wrk run (run.py passes the
-- time in ms). (Two connections of a thread could have two versions of a script in flight at
-- once: one of them would be refused.) The body is the seeded new version's, its mark
-- replaced.
-- Usage: wrk ... -s publish.lua URL -- SCRIPTS_FILE THREADS TOKEN_FILE BODY_FILE MARK MAJOR
local common = dofile("common.lua")

local scripts, headers, body, mark, major, counter

function init(args)
  scripts = common.share(common.lines(args[1]), id, tonumber(args[2]))
  headers = common.json_bearer(common.lines(args[3])[1])
  local file = assert(io.open(args[4]))
  body = file:read("*a")
  file:close()
  mark, major, counter = args[5], args[6], 0
end

function request()
  counter = counter + 1
  local script = scripts[(counter - 1) % #scripts + 1]
  local version = body:gsub(mark, major .. "." .. counter, 1)
  return wrk.format("POST", "/api/scripts/" .. script .. "/versions", headers, version)
end
