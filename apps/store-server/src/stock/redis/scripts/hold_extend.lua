-- A pending payment: the hold lives until at least `until`. ARGV: hold id, until, now
local id, till, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local r = get_hold(id)
if not r then return cjson.encode({ s = 'NONE' }) end
if r.e <= now then
  drop_hold(id, r)
  add_free(r.q)
  return cjson.encode({ s = 'EXPIRED', hold = out(id, r) })
end
r.e = math.max(r.e, till)
put_hold(id, r)
return cjson.encode({ s = 'OK', hold = out(id, r) })
