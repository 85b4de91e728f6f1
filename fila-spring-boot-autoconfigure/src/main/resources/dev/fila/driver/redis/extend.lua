-- ARGV: base, lease ms, then id and lease token of each message (one queue, one or many
-- messages: a consumer's heartbeat extends all its leases in one call). Returns a string with
-- one character per message, in order: '1' extended, '0' the lease was lost.
local B = ARGV[1]
local deadline = int_s(math.ceil(now_ms() + tonumber(ARGV[2])))
local results = {}
for i = 3, #ARGV - 1, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if check_lease(B, id, token) then
    redis.call('ZADD', B .. 'leases', 'XX', deadline, id)
    results[#results + 1] = '1'
  else
    results[#results + 1] = '0'
  end
end
return table.concat(results)
