-- Applies one change made in PostgreSQL (stock_authority_feed) to this bucket, once:
-- units PostgreSQL took from holds (cut or sold there) leave those holds (all of a hold marked
-- `ended`: it ended there, as an order or cut whole), on hand moves by delta, and (with `cut`)
-- what is held is brought back within on hand by cutting the newest holds.
-- ARGV: version, delta, taken JSON [{holdId, qty, ended?}], per-holder limit (0 none),
--       first: '1' the SKU's first bucket (changes apply in version order) / '0' another bucket,
--       cut: '1' cut the newest holds when free falls below zero
local version, delta, taken = tonumber(ARGV[1]), tonumber(ARGV[2]), cjson.decode(ARGV[3])
local limit, first, cut = tonumber(ARGV[4]), ARGV[5] == '1', ARGV[6] == '1'
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
local pgv = tonumber(redis.call('HGET', STATE, 'pgv')) or 0
if version <= pgv then return cjson.encode({ s = 'SKIP' }) end
if first and version > pgv + 1 then return cjson.encode({ s = 'GAP', pgv = pgv }) end
for _, t in ipairs(taken) do
  local r = get_hold(t.holdId)
  if r then
    if t.ended then
      -- The hold ended there (an order, a cut): all of it leaves, units PostgreSQL never knew of included.
      drop_hold(t.holdId, r)
      add_free(r.q)
    else
      local take = math.min(r.q, t.qty)
      r.q = r.q - take
      if r.q == 0 then drop_hold(t.holdId, r) else redis.call('HSET', HOLDS, t.holdId, cjson.encode(r)) end
      add_free(take)
    end
  end
end
add_free(delta)
redis.call('HSET', STATE, 'limit', limit, 'pgv', version)
local cuts = {}
if cut then
  local f = free()
  if f < 0 then cuts = cut_newest(-f) end
end
return cjson.encode({ s = 'OK', free = free(), cuts = cuts })
