-- ARGV: base, id, lease token, action (retry|dlq), delay ms, error, dlq base, source queue, notify channel, dlq name
-- Returns 1 when settled, 2 when dead-lettered without a DLQ (dropped), 0 when the lease was lost.
local B, id, token, action = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not check_lease(B, id, token) then
  return 0
end
local M = B .. 'm:' .. id
local m = redis.call('HMGET', M, 'k', 'w')
local key, weight = m[1], m[2]
redis.call('ZREM', B .. 'leases', id)
redis.call('HSET', M, 'l', '')
redis.call('HINCRBY', B .. 'kin', key, -1)
if action == 'retry' then
  local delay = tonumber(ARGV[5])
  if delay <= 0 then
    push_pending(B, key, weight, id, false)
  else
    redis.call('ZADD', B .. 'delayed', now_ms() + delay, id)
    redis.call('HINCRBY', B .. 'kdl', key, 1)
  end
  return 1
end
local DB = ARGV[7]
local fields = redis.call('HMGET', M, 't', 'h', 'p', 'e', 'a')
redis.call('DEL', M)
forget_key_if_idle(B, key)
if redis.call('HGET', B .. 'meta', 'dl') ~= '1' or not require_queue(DB) then
  return 2
end
local headers = cjson.decode(fields[2])
headers['fila-attempts'] = tostring(fields[5])
headers['fila-error'] = ARGV[6]
headers['fila-source-queue'] = ARGV[8]
redis.call('HSET', DB .. 'm:' .. id, 'k', key, 'w', weight, 't', fields[1], 'h', cjson.encode(headers),
  'p', fields[3], 'e', fields[4], 'a', 0, 'l', '')
push_pending(DB, key, weight, id, false)
notify(ARGV[9], ARGV[10])
return 1
