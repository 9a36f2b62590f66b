-- The sweeper: expires this bucket's due holds, and says when each of the given holds now
-- expires (0: gone), so that the sweeper's index follows extensions.
-- ARGV: now, then hold ids
local now = tonumber(ARGV[1])
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
local expired = expire_due(now, 1000)
local alive = {}
for i = 2, #ARGV do
  local r = get_hold(ARGV[i])
  if r then alive[#alive + 1] = { ARGV[i], r.e } end
end
return cjson.encode({ s = 'OK', x = expired, alive = alive })
