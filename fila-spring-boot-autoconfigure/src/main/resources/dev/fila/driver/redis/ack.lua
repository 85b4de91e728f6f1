-- ARGV: base, id, lease token. Returns 1, or 0 when the lease was lost.
local B, id, token = ARGV[1], ARGV[2], ARGV[3]
if not check_lease(B, id, token) then
  return 0
end
local key = redis.call('HGET', B .. 'm:' .. id, 'k')
redis.call('ZREM', B .. 'leases', id)
redis.call('DEL', B .. 'm:' .. id)
redis.call('HINCRBY', B .. 'kin', key, -1)
forget_key_if_idle(B, key)
return 1
