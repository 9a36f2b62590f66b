-- Ends a hold: its units go back to free (release), or vanish (void: PostgreSQL could not
-- confirm them). ARGV: hold id, '1' return the units / '0' not
local id, give_back = ARGV[1], ARGV[2] == '1'
local r = get_hold(id)
if not r then return cjson.encode({ s = 'NONE' }) end
drop_hold(id, r)
if give_back then add_free(r.q) end
return cjson.encode({ s = 'OK', hold = out(id, r) })
