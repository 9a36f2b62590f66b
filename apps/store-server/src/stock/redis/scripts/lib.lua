-- Shared by every bucket script (prepended when the scripts are loaded).
-- KEYS[1..4] are one bucket of one SKU in one store; all four share the hash tag
-- {store:sku:bN}, so a bucket lives in one Redis Cluster slot and a script on it is atomic.
--   STATE    hash: free (units that can be held; negative only in bucket 0 when on hand is),
--            limit (per-holder limit of the SKU, 0: the store's), pgv (last PostgreSQL
--            version applied from the feed)
--   HOLDS    hash: hold id -> JSON { h = holder, q = qty, e = expires at (ms), c = cart, t = created at (ms) }
--   HOLDERS  hash: holder -> hold id (one hold per holder and SKU)
--   EXPIRY   sorted set: hold id by expiry
-- Every script answers with one JSON document.
local STATE, HOLDS, HOLDERS, EXPIRY = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local function get_hold(id)
  local raw = redis.call('HGET', HOLDS, id)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function put_hold(id, r)
  redis.call('HSET', HOLDS, id, cjson.encode(r))
  redis.call('HSET', HOLDERS, r.h, id)
  redis.call('ZADD', EXPIRY, r.e, id)
end

local function drop_hold(id, r)
  redis.call('HDEL', HOLDS, id)
  if redis.call('HGET', HOLDERS, r.h) == id then redis.call('HDEL', HOLDERS, r.h) end
  redis.call('ZREM', EXPIRY, id)
end

local function free() return tonumber(redis.call('HGET', STATE, 'free')) or 0 end
-- (Never HINCRBY by a float or by -0, which Lua would write as "-0".)
local function add_free(n)
  if n == 0 then return free() end
  return redis.call('HINCRBY', STATE, 'free', string.format('%d', n))
end
local function loaded() return redis.call('EXISTS', STATE) == 1 end

-- A hold as the scripts report it.
local function out(id, r) return { id = id, h = r.h, q = r.q, e = r.e, c = r.c, t = r.t } end

-- Expires the due holds of this bucket (at most max) and returns them: a decision never
-- refuses because of a hold whose time has come but which the sweeper has not reached yet.
local function expire_due(now, max)
  local ids = redis.call('ZRANGEBYSCORE', EXPIRY, '-inf', now, 'LIMIT', 0, max)
  local gone = {}
  for _, id in ipairs(ids) do
    local r = get_hold(id)
    if r then
      drop_hold(id, r)
      add_free(r.q)
      gone[#gone + 1] = out(id, r)
    else
      redis.call('ZREM', EXPIRY, id)
    end
  end
  return gone
end

-- When the first hold of someone other than `holder` expires (0: none).
local function first_other_expiry(holder)
  local mine = redis.call('HGET', HOLDERS, holder)
  local firsts = redis.call('ZRANGE', EXPIRY, 0, 1, 'WITHSCORES')
  for i = 1, #firsts, 2 do
    if firsts[i] ~= mine then return tonumber(firsts[i + 1]) end
  end
  return 0
end

-- Takes up to n units back from the newest holds of this bucket (a hold loses only what it
-- must) and returns what was taken; the units go back to free.
local function cut_newest(n)
  local taken = {}
  if n <= 0 then return taken end
  local all = redis.call('HGETALL', HOLDS)
  local list = {}
  for i = 1, #all, 2 do list[#list + 1] = { id = all[i], r = cjson.decode(all[i + 1]) } end
  table.sort(list, function(a, b)
    if a.r.t ~= b.r.t then return a.r.t > b.r.t end
    return a.id > b.id
  end)
  for _, x in ipairs(list) do
    if n <= 0 then break end
    local take = math.min(x.r.q, n)
    x.r.q = x.r.q - take
    if x.r.q == 0 then drop_hold(x.id, x.r) else redis.call('HSET', HOLDS, x.id, cjson.encode(x.r)) end
    add_free(take)
    n = n - take
    taken[#taken + 1] = { id = x.id, h = x.r.h, taken = take, left = x.r.q, q = x.r.q, e = x.r.e, c = x.r.c, t = x.r.t }
  end
  return taken
end

-- THE decision of Redis mode: grants a hold, or sets the holder's hold on this SKU to qty.
-- holder, qty, now, ttl ms, cart ('' none), id for a new hold, store limit (0 none),
-- only this hold id ('' any: the holder's hold, or a new one; given: that hold, whoever holds it),
-- units brought from the SKU's other buckets (added to free first, in the same step, so that
-- nobody else can take them between the move and the decision). Returns the answer as a table.
local function hold_decide(holder, qty, now, ttl, cart, new_id, store_limit, only_id, brought)
  -- (One read for "loaded?" and the limit: a loaded bucket always has its free count.)
  local state = redis.call('HMGET', STATE, 'free', 'limit')
  if not state[1] and not loaded() then return { s = 'NOT_LOADED' } end
  if brought and brought ~= 0 then add_free(brought) end
  local expired = expire_due(now, 100)
  local lim = tonumber(state[2]) or 0
  if lim == 0 then lim = store_limit end
  local id, cur = nil, nil
  if only_id ~= '' then
    id = only_id
    cur = get_hold(id)
    if not cur then
      for _, e in ipairs(expired) do
        if e.id == only_id then return { s = 'REFUSED', code = 'HOLD_EXPIRED', expiredAt = e.e, x = expired } end
      end
      return { s = 'REFUSED', code = 'NO_HOLD', x = expired }
    end
    holder = cur.h
  else
    id = redis.call('HGET', HOLDERS, holder)
    if id then cur = get_hold(id) end
  end
  local have = 0
  if cur then have = cur.q end
  if lim > 0 and qty > lim then
    return { s = 'REFUSED', code = 'LIMIT_PER_CUSTOMER', limit = lim, youHold = have, x = expired }
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
    return { s = 'REFUSED', code = code, available = avail, youHold = have, firstExpiresAt = first, x = expired }
  end
  add_free(-delta)
  if cur then
    cur.q = qty
    cur.e = math.max(cur.e, now + ttl)
    if cart ~= '' then cur.c = cart end
    put_hold(id, cur)
    return { s = 'OK', created = false, prev = have, hold = out(id, cur), x = expired }
  end
  local r = { h = holder, q = qty, e = now + ttl, c = cart, t = now }
  put_hold(new_id, r)
  return { s = 'OK', created = true, prev = 0, hold = out(new_id, r), x = expired }
end
