-- wrk script of scripts/bench: one scenario's requests, from the environment.
--   BENCH_KEY      X-API-Key of every request
--   BENCH_METHOD   GET, POST, …
--   BENCH_PATHS    file with one path per line, taken in turn (each thread from its own start)
--   BENCH_BODIES   optional file with one JSON body per line, taken in turn with the paths
--   BENCH_EXPECT   the status every answer should have (200 unless set)
-- At the end it prints one line, `BENCH {json}`: requests, duration, p50 and p99 latency in µs,
-- answers with another status, and socket errors.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function lines(path)
  local result = {}
  if path and path ~= "" then
    for line in io.lines(path) do
      if line ~= "" then result[#result + 1] = line end
    end
  end
  return result
end

function init(args)
  key = os.getenv("BENCH_KEY")
  method = os.getenv("BENCH_METHOD") or "GET"
  expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
  paths = lines(os.getenv("BENCH_PATHS"))
  bodies = lines(os.getenv("BENCH_BODIES"))
  index = (id * 7919) % #paths
  unexpected = 0
  first_unexpected = ""
end

function request()
  index = index % #paths + 1
  local headers = { ["X-API-Key"] = key }
  local body = nil
  if #bodies > 0 then
    body = bodies[(index - 1) % #bodies + 1]
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, paths[index], headers, body)
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
    if first_unexpected == "" then first_unexpected = tostring(status) end
  end
end

function done(summary, latency, requests)
  local total, example = 0, ""
  for _, thread in ipairs(threads) do
    total = total + thread:get("unexpected")
    if example == "" then example = thread:get("first_unexpected") end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "unexpected": %d, "unexpected_example": "%s", "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), total, example,
    errors.connect + errors.read + errors.write + errors.timeout))
end
