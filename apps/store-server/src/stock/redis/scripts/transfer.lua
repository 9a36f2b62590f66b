-- Login: the guest's hold on this SKU becomes the user's, or merges into the user's own hold
-- (up to the limit; units beyond it go back to free). ARGV: from, to, store limit, now
local from, to, store_limit, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
local expired = expire_due(now, 100)
local gid = redis.call('HGET', HOLDERS, from)
if not gid then return cjson.encode({ s = 'NONE', x = expired }) end
local g = get_hold(gid)
local uid = redis.call('HGET', HOLDERS, to)
if not uid then
  drop_hold(gid, g)
  g.h = to
  put_hold(gid, g)
  return cjson.encode({ s = 'MOVED', hold = out(gid, g), x = expired })
end
local u = get_hold(uid)
local lim = tonumber(redis.call('HGET', STATE, 'limit')) or 0
if lim == 0 then lim = store_limit end
local keep = u.q + g.q
if lim > 0 and keep > lim then keep = lim end
local excess = u.q + g.q - keep
drop_hold(gid, g)
u.q = keep
u.e = math.max(u.e, g.e)
put_hold(uid, u)
add_free(excess)
return cjson.encode({ s = 'MERGED', hold = out(uid, u), gone = out(gid, g), excess = excess, x = expired })
