-- The write load of `bench/etcd.bench.ts`, run by wrk against either server so that both are driven by
-- the same C load generator at the same cost per request. The bench prepends three globals:
--   target     "etcd" (the v3 JSON gateway: POST /v3/kv/put, base64 key and value) or "dslab"
--              (the HTTP/JSON API: PUT /v1/kv/{key}, {"value": …})
--   keyspace   keys are 8-digit decimal strings of counter % keyspace
--   value_size bytes of the value ("v" repeated)
--   rate       requests per second over all connections, or 0 to send each request as soon as the
--              previous one on its connection is answered (a closed loop)
-- It prints one JSON line at the end: requests, errors by kind, latency percentiles in microseconds and
-- the whole latency histogram.

local counter = 0
local value = string.rep("v", value_size)

-- A fixed rate: request k of the run is due at start + k / rate, whichever connection sends it, and
-- delay() holds a connection until its next request is due (a server that falls behind gets the next
-- ones at once, up to one per connection in flight). wrk has no clock for scripts; LuaJIT's ffi reads
-- CLOCK_MONOTONIC.
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } dslab_timespec;
    int clock_gettime(int clock, dslab_timespec *out);
  ]]
  local now = ffi.new("dslab_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local start
  local sent = 0
  function delay()
    start = start or now_ms()
    sent = sent + 1
    local wait = start + sent * 1000 / rate - now_ms()
    -- wrk's timers count whole milliseconds: sending up to 1 ms early keeps the average rate.
    return wait > 0 and math.floor(wait) or 0
  end
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- Base64 as the gateway wants it; written out because wrk's LuaJIT has no library for it.
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = alphabet:sub(c1 + 1, c1 + 1) .. alphabet:sub(c2 + 1, c2 + 1)
      .. (b and alphabet:sub(c3 + 1, c3 + 1) or "=")
      .. (c and alphabet:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

local value64 = base64(value)
local etcd_headers = { ["Content-Type"] = "application/json" }
local dslab_headers = { ["Content-Type"] = "application/json" }

function request()
  local key = string.format("%08d", counter % keyspace)
  counter = counter + 1
  if target == "etcd" then
    local body = '{"key":"' .. base64(key) .. '","value":"' .. value64 .. '"}'
    return wrk.format("POST", "/v3/kv/put", etcd_headers, body)
  end
  return wrk.format("PUT", "/v1/kv/" .. key, dslab_headers, '{"value":"' .. value .. '"}')
end

function done(summary, latency, requests)
  local e = summary.errors
  -- The whole latency distribution as [microseconds, count] pairs: `#latency` is the number of distinct
  -- values, `latency(i)` the i-th value and its count. The bench pools the rounds' distributions.
  local pairs_out = {}
  for i = 1, #latency do
    local value, count = latency(i)
    pairs_out[#pairs_out + 1] = string.format("[%d,%d]", value, count)
  end
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,' ..
    '"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"histogram":[%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(pairs_out, ",")))
end
