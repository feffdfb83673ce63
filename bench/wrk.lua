-- wrk script of `make bench` (scripts/bench.sh; docs/decisions/0009-native-load-tool.md).
--
-- Rotates over the requests of the file named by BENCH_REQUESTS, one per line: "PATH<TAB>SESSION_KEY" (no key:
-- anonymous), written by bench/load.py — one page over many seeded sites, or the weighted mix shuffled. Every
-- request carries `X-Forwarded-Proto: https`, as the production proxy sends it, and the signed-in session cookie.
-- Any answer but 200 is an error (wrk itself only counts 4xx/5xx, and a redirect to the sign-in page must not
-- pass). At the end, one line "BENCH_JSON {...}" with the counts and the latency percentiles in microseconds.

local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do
  local path, session = line:match("^([^\t]+)\t?(.*)$")
  if path then
    lines[#lines + 1] = { path = path, session = session }
  end
end

local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  threads[#threads + 1] = thread
end

function init(args)
  requests_built = {}
  for index, item in ipairs(lines) do
    local headers = { ["X-Forwarded-Proto"] = "https" }
    if item.session ~= "" then
      headers["Cookie"] = "sessionid=" .. item.session
    end
    requests_built[index] = wrk.format("GET", item.path, headers)
  end
  counter = offset or 0
  not_ok = 0
end

function request()
  counter = counter + 1
  return requests_built[(counter % #requests_built) + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local not_ok_total = 0
  for _, thread in ipairs(threads) do
    not_ok_total = not_ok_total + (thread:get("not_ok") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "not_ok": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"timeout": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, not_ok_total, errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.mean,
    latency.max
  ))
end
