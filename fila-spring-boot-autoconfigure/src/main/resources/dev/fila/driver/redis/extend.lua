-- ARGV: base, id, lease token, lease ms. Returns 1, or 0 when the lease was lost.
local B, id, token = ARGV[1], ARGV[2], ARGV[3]
if not check_lease(B, id, token) then
  return 0
end
redis.call('ZADD', B .. 'leases', 'XX', now_ms() + tonumber(ARGV[4]), id)
return 1
