-- wrk script of the holds bench (drive-holds.ts): POST /v1/holds, each request a new holder,
-- the SKU taken in turn from the list; prints the result as one JSON line.
-- Environment: HOLDS_KEY (API key), HOLDS_SKUS (comma-separated; "-" = GET /healthz), HOLDS_RUN
-- (unique per run, so that no holder repeats across runs).
local threads = {}
local key, skus_text, run = os.getenv("HOLDS_KEY"), os.getenv("HOLDS_SKUS"), os.getenv("HOLDS_RUN")

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  skus = {}
  for sku in string.gmatch(skus_text, "[^,]+") do table.insert(skus, sku) end
  bare = skus_text == "-"
  n = 0
  headers = { ["content-type"] = "application/json", ["authorization"] = "Bearer " .. key }
  prefix = "bench-" .. run .. "-" .. tid .. "-"
end

function request()
  if bare then return wrk.format("GET", "/healthz") end
  n = n + 1
  local body = '{"sku":"' .. skus[(n % #skus) + 1] .. '","qty":1,"holderId":"' .. prefix .. n .. '"}'
  return wrk.format("POST", "/v1/holds", headers, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local ms = function(us) return math.floor(us / 10 + 0.5) / 100 end
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"non2xx":%d,"errors":%d,"timeouts":%d,"latency":{"p50":%s,"p90":%s,"p99":%s,"max":%s}}\n',
    summary.requests, summary.requests / seconds, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)), ms(latency.max)))
end
