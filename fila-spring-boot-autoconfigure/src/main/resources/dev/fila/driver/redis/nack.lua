-- ARGV: base, id, lease token, action (retry|dlq), delay ms, error, dlq base, source queue, notify channel, dlq name,
-- '1' when the queue has in-flight limits (a consumer may wait for the slot this frees) else ''
-- Returns 1 when settled, 2 when dead-lettered without a DLQ (dropped), 0 when the lease was lost.
-- Everything is read (and the headers decoded) before the first write: see common.lua.
local B, id, token, action = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
-- A queue being deleted (its meta is gone first) takes nothing back: the delete removes the message.
if not check_lease(B, id, token) or not require_queue(B) then
  return 0
end
local M = B .. 'm:' .. id
local m = redis.call('HMGET', M, 'k', 'w', 't', 'h', 'p', 'e', 'a', 'r', 'l')
local key, weight = m[1], m[2]
local DB = ARGV[7]
local to_dlq = action ~= 'retry' and redis.call('HGET', B .. 'meta', 'dl') == '1' and require_queue(DB)
redis.call('ZREM', B .. 'leases', id)
redis.call('HINCRBY', B .. 'kin', key, -1)
if ARGV[11] == '1' then
  notify(ARGV[9], ARGV[8])
end
if action == 'retry' then
  end_lease(B, id, true)
  local delay = tonumber(ARGV[5])
  if delay <= 0 then
    push_pending(B, key, weight, id, false, place(B, id, m[8], m[6], now_ms(), aging_of(B)))
  else
    redis.call('ZADD', B .. 'delayed', int_s(math.ceil(now_ms() + delay)), id)
    redis.call('HINCRBY', B .. 'kdl', key, 1)
  end
  return 1
end
-- The message leaves this queue: its lease entry goes with its hash.
redis.call('HDEL', B .. 'lt', id)
redis.call('DEL', M)
forget_key_if_idle(B, key)
if not to_dlq then
  return 2
end
-- Unreadable headers (never written so by the driver) become none rather than an error.
local headers = json_table(m[4])
-- The attempt ending here: a counts those that ended before it (see end_lease), except in a hash
-- leased by the earlier layout (field l set), which counted it when it leased.
local attempts = tonumber(m[7] or '0') or 0
if (m[9] or '') == '' then
  attempts = attempts + 1
end
headers['fila-attempts'] = tostring(attempts)
headers['fila-error'] = ARGV[6]
headers['fila-source-queue'] = ARGV[8]
redis.call('HSET', DB .. 'm:' .. id, 'k', key, 'w', weight, 't', m[3], 'h', cjson.encode(headers),
  'p', m[5], 'e', m[6])
if m[8] then
  redis.call('HSET', DB .. 'm:' .. id, 'r', m[8])
end
push_pending(DB, key, weight, id, false, place(DB, id, m[8], m[6], now_ms(), aging_of(DB)))
notify(ARGV[9], ARGV[10])
return 1
