-- Shared by the bench scripts: reading token files and a machine-readable summary.
-- run.py starts wrk with bench/ as its working directory, so `dofile("common.lua")` works.

local common = {}

-- Every non-empty line of `path`, in order.
function common.lines(path)
  local items = {}
  for line in io.lines(path) do
    if line ~= "" then
      items[#items + 1] = line
    end
  end
  assert(#items > 0, "no lines in " .. path)
  return items
end

-- The lines of `items` that belong to thread `id` (1-based) of `count` threads.
function common.share(items, id, count)
  local mine = {}
  for i = id, #items, count do
    mine[#mine + 1] = items[i]
  end
  return mine
end

-- The headers of a JSON request by the bearer of `token`.
function common.json_bearer(token)
  return { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

-- `json_bearer` for each token of thread `id`'s share (of `count` threads) of the file `path`.
function common.json_bearers(path, id, count)
  local headers = {}
  for i, token in ipairs(common.share(common.lines(path), id, count)) do
    headers[i] = common.json_bearer(token)
  end
  return headers
end

-- Number each thread so that init() can pick its share of a token file; keep them for done().
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

-- Answers below 400 of a status the script did not expect, over all threads: each thread's
-- global `unexpected` (status.lua counts them; wrk counts 400 and up itself).
local function unexpected()
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("unexpected") or 0)
  end
  return total
end

-- One JSON line that run.py parses: totals and latency percentiles in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "unexpected": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, unexpected(),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end

return common
