-- Grants a hold, or sets the holder's hold on this SKU to qty: THE decision of Redis mode.
-- ARGV: holder, qty, now, ttl ms, cart ('' none), id for a new hold, store limit (0 none),
--       only this hold id ('' any: the holder's hold, or a new one; given: that hold, whoever holds it),
--       units brought from the SKU's other buckets (added to free first, in the same step, so that
--       nobody else can take them between the move and the decision)
local holder, qty, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local cart, new_id, store_limit, only_id = ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8]
local brought = tonumber(ARGV[9]) or 0
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
add_free(brought)
local expired = expire_due(now, 100)
local lim = tonumber(redis.call('HGET', STATE, 'limit')) or 0
if lim == 0 then lim = store_limit end
local id, cur = nil, nil
if only_id ~= '' then
  id = only_id
  cur = get_hold(id)
  if not cur then
    for _, e in ipairs(expired) do
      if e.id == only_id then return cjson.encode({ s = 'REFUSED', code = 'HOLD_EXPIRED', expiredAt = e.e, x = expired }) end
    end
    return cjson.encode({ s = 'REFUSED', code = 'NO_HOLD', x = expired })
  end
  holder = cur.h
else
  id = redis.call('HGET', HOLDERS, holder)
  if id then cur = get_hold(id) end
end
local have = 0
if cur then have = cur.q end
if lim > 0 and qty > lim then
  return cjson.encode({ s = 'REFUSED', code = 'LIMIT_PER_CUSTOMER', limit = lim, youHold = have, x = expired })
end
local delta = qty - have
local f = free()
if delta > 0 and f < delta then
  local avail = math.max(f, 0)
  local code = 'SOLD_OUT'
  local first = 0
  if avail > 0 then
    code = 'NOT_ENOUGH'
  else
    local mine = 0
    if cur then mine = 1 end
    if redis.call('HLEN', HOLDS) > mine then
      code = 'HELD_BY_OTHERS'
      first = first_other_expiry(holder)
    elseif cur then
      code = 'ALREADY_HOLDS_LAST'
    end
  end
  return cjson.encode({ s = 'REFUSED', code = code, available = avail, youHold = have, firstExpiresAt = first, x = expired })
end
add_free(-delta)
if cur then
  cur.q = qty
  cur.e = math.max(cur.e, now + ttl)
  if cart ~= '' then cur.c = cart end
  put_hold(id, cur)
  return cjson.encode({ s = 'OK', created = false, prev = have, hold = out(id, cur), x = expired })
end
local r = { h = holder, q = qty, e = now + ttl, c = cart, t = now }
put_hold(new_id, r)
return cjson.encode({ s = 'OK', created = true, prev = 0, hold = out(new_id, r), x = expired })
