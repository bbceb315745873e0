-- GET wrk.path, every request from a client of its own: its own X-Forwarded-For address,
-- FIRST_OCTET.x.y.z, numbered across threads (thread `id` of THREADS takes every THREADS-th).
-- A run gets a first octet no other run of the bench uses, so no client ever comes back.
-- Usage: wrk ... -s installs.lua URL -- FIRST_OCTET THREADS
local common = dofile("common.lua")

local first_octet, threads, sent

function init(args)
  first_octet, threads, sent = tonumber(args[1]), tonumber(args[2]), 0
end

function request()
  local n = sent * threads + id - 1
  sent = sent + 1
  assert(n < 16777216, "out of addresses under " .. first_octet)
  local address = string.format(
    "%d.%d.%d.%d", first_octet, math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = address })
end
