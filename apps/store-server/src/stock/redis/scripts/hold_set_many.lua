-- Several hold decisions on this bucket, one after the other in the order given, each exactly
-- as hold_set makes it: a busy SKU's requests of one moment in one call instead of one each.
-- ARGV: hold_set's nine arguments for each decision, one decision after the other.
-- Returns the answers, in the same order.
local answers = {}
for i = 1, #ARGV, 9 do
  answers[#answers + 1] = hold_decide(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]),
    ARGV[i + 4], ARGV[i + 5], tonumber(ARGV[i + 6]), ARGV[i + 7], tonumber(ARGV[i + 8]) or 0)
end
return cjson.encode(answers)
