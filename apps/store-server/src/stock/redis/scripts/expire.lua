-- The sweeper: expires this bucket's due holds, says when its first remaining hold expires
-- (next, 0: none left) for the sweeper's index, and when each of the given holds now expires
-- (alive; gone ones are left out).
-- ARGV: now, then hold ids (none needed)
local now = tonumber(ARGV[1])
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
local expired = expire_due(now, 1000)
local alive = {}
for i = 2, #ARGV do
  local r = get_hold(ARGV[i])
  if r then alive[#alive + 1] = { ARGV[i], r.e } end
end
local first = redis.call('ZRANGE', EXPIRY, 0, 0, 'WITHSCORES')
local next = 0
if first[2] then next = tonumber(first[2]) end
return cjson.encode({ s = 'OK', x = expired, alive = alive, next = next })
