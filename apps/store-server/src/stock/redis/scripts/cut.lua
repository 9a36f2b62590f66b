-- Takes up to n units back from this bucket's newest holds. ARGV: n
if not loaded() then return cjson.encode({ s = 'NOT_LOADED' }) end
return cjson.encode({ s = 'OK', cuts = cut_newest(tonumber(ARGV[1])) })
