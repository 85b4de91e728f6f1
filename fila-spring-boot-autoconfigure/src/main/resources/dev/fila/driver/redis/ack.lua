-- ARGV: base, id, lease token. Returns 1, or 0 when the lease was lost.
local B, id, token = ARGV[1], ARGV[2], ARGV[3]
local m = redis.call('HMGET', B .. 'm:' .. id, 'l', 'k')
if m[1] ~= token or token == '' then
  return 0
end
local key = m[2]
redis.call('ZREM', B .. 'leases', id)
redis.call('DEL', B .. 'm:' .. id)
if redis.call('HINCRBY', B .. 'kin', key, -1) <= 0 then
  forget_key_if_idle(B, key)
end
return 1
