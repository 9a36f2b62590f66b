-- Loads a bucket from PostgreSQL's state, unless it is already there.
-- ARGV: free, limit, pgv, holds JSON [{id, h, q, e, c, t}], buckets of the SKU
if loaded() then return cjson.encode({ s = 'EXISTS' }) end
redis.call('HSET', STATE, 'free', tonumber(ARGV[1]), 'limit', tonumber(ARGV[2]), 'pgv', tonumber(ARGV[3]), 'n', tonumber(ARGV[5]))
for _, x in ipairs(cjson.decode(ARGV[4])) do
  put_hold(x.id, { h = x.h, q = x.q, e = x.e, c = x.c, t = x.t })
end
return cjson.encode({ s = 'OK' })
