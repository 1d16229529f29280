-- Rotate through request paths read from a file, one per line, so no single URL carries the
-- figure; print the run's figures as one JSON line for bench/pages.py.
--
--   wrk -t2 -c32 -d15s -s bench/wrk/rotate.lua http://127.0.0.1:8000 -- PATHS_FILE THREADS
--
-- Each thread walks the whole list round-robin from its own offset (thread k of n starts k/n of
-- the way in), so with a long list almost every request in a run asks for a different URL.

local threads = {}
local paths = {}
local position = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads - 1)
end

function init(args)
  local file = assert(args[1], "usage: -- PATHS_FILE THREADS")
  for line in io.lines(file) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  assert(#paths > 0, "no paths in " .. file)
  local count = tonumber(args[2] or "1")
  position = math.floor(#paths * thread_index / count)
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "mean": %.1f, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max))
end
