-- The facts behind a refusal, for SKUs split into several buckets. ARGV: holder, now
local holder, now = ARGV[1], tonumber(ARGV[2])
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
local expired = expire_due(now, 100)
local id = redis.call('HGET', HOLDERS, holder)
local have = 0
if id then
  local r = get_hold(id)
  if r then have = r.q end
end
return cjson.encode({
  s = 'OK', free = free(), holds = redis.call('HLEN', HOLDS), youHold = have,
  firstExpiresAt = first_other_expiry(holder), x = expired,
})
