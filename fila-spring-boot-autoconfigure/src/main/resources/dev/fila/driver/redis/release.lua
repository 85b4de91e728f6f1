-- ARGV: base, id, lease token, notify channel, queue name. Returns 1, or 0 when the lease was lost.
local B, id, token = ARGV[1], ARGV[2], ARGV[3]
-- A queue being deleted (its meta is gone first) takes nothing back: the delete removes the message.
if not check_lease(B, id, token) or not require_queue(B) then
  return 0
end
local M = B .. 'm:' .. id
local m = redis.call('HMGET', M, 'k', 'w', 'r', 'e')
redis.call('ZREM', B .. 'leases', id)
end_lease(B, id, false)
redis.call('HINCRBY', B .. 'kin', m[1], -1)
push_pending(B, m[1], m[2], id, true, place(B, id, m[3], m[4], now_ms(), aging_of(B)))
notify(ARGV[4], ARGV[5])
return 1
