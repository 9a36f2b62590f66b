-- Moves free units between buckets of a hot SKU, one side at a time: take (ARGV: 'take', n,
-- now) removes up to n free units (after expiring the bucket's due holds) and says how many;
-- put (ARGV: 'put', n) adds them. Units in transit are counted nowhere, so the buckets' sum
-- never exceeds the stock.
local what, n = ARGV[1], tonumber(ARGV[2])
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
if what == 'take' then
  local expired = expire_due(tonumber(ARGV[3]), 100)
  local take = math.min(n, math.max(free(), 0))
  add_free(-take)
  return cjson.encode({ s = 'OK', n = take, free = free(), x = expired })
end
add_free(n)
return cjson.encode({ s = 'OK', n = n, free = free() })
