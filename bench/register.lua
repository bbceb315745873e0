-- POST /api/auth/register, a new account every request (each one is one bcrypt hash).
-- Email and username are "r_<nonce>_<thread>_<counter>": the nonce is new for every wrk run
-- (run.py passes it), the thread number comes from common.lua's setup() and the counter
-- belongs to the thread, so no two requests of a bench run ever ask for the same account.
-- Usage: wrk ... -s register.lua URL -- NONCE PASSWORD
local common = dofile("common.lua")

local nonce, password, counter
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  nonce, password, counter = args[1], args[2], 0
end

function request()
  counter = counter + 1
  local name = "r_" .. nonce .. "_" .. id .. "_" .. counter -- at most 32 characters
  return wrk.format("POST", "/api/auth/register", headers,
    '{"email":"' .. name .. '@example.com","password":"' .. password ..
    '","username":"' .. name .. '","full_name":"Bench Register"}')
end
