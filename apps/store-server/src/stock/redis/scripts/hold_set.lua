-- Grants a hold, or sets the holder's hold on this SKU to qty (hold_decide, in lib.lua).
-- ARGV: holder, qty, now, ttl ms, cart ('' none), id for a new hold, store limit (0 none),
--       only this hold id ('' any), units brought from the SKU's other buckets
return cjson.encode(hold_decide(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6],
  tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]) or 0))
