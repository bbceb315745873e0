-- POST /api/auth/login for the seeded accounts in turn (each login is one bcrypt check).
-- Usage: wrk ... -s login.lua URL -- EMAILS_FILE PASSWORD THREADS
local common = dofile("common.lua")

local bodies, next_index
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  local emails = common.share(common.lines(args[1]), id, tonumber(args[3]))
  bodies = {}
  for i, email in ipairs(emails) do
    bodies[i] = wrk.format("POST", "/api/auth/login", headers,
      '{"email":"' .. email .. '","password":"' .. args[2] .. '"}')
  end
  next_index = 0
end

function request()
  next_index = next_index % #bodies + 1
  return bodies[next_index]
end
