-- ARGV: base, notify channel, queue name, count, then per message: id, key, weight, throttles, headers, payload,
-- delay ms (0: pending at once; more: held in B..'delayed' until due, counted in B..'kdl')
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[3])
end
local exact = now_ms()
local now = math.floor(exact)
-- Due times round up, so a delayed message is never due before its delay is over.
local due_base = math.ceil(exact)
local n = tonumber(ARGV[4])
local weights = {}
local pending = 0
local i = 5
for _ = 1, n do
  local id, key = ARGV[i], ARGV[i + 1]
  redis.call('HSET', B .. 'm:' .. id, 'k', key, 'w', ARGV[i + 2], 't', ARGV[i + 3], 'h', ARGV[i + 4], 'p', ARGV[i + 5],
    'e', now, 'a', 0, 'l', '')
  local delay = tonumber(ARGV[i + 6]) or 0
  if delay > 0 then
    redis.call('ZADD', B .. 'delayed', due_base + delay, id)
    redis.call('HINCRBY', B .. 'kdl', key, 1)
  else
    redis.call('RPUSH', B .. 'k:' .. key, id)
    weights[key] = ARGV[i + 2]
    pending = pending + 1
  end
  i = i + 7
end
-- Once per key and per batch, not per message: the key's weight and its place in the ring.
for key, weight in pairs(weights) do
  activate_key(B, key, weight)
end
if pending > 0 then
  redis.call('HINCRBY', B .. 'c', 'pending', pending)
end
-- Consumers learn the next due time from their next fetch, so delayed messages wake them too.
notify(ARGV[2], ARGV[3])
return n
