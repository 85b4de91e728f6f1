-- ARGV: base, notify channel, queue name, count, then per message: id, key, weight, throttles, headers, payload
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[3])
end
local now = math.floor(now_ms())
local n = tonumber(ARGV[4])
local weights = {}
local i = 5
for _ = 1, n do
  local id, key = ARGV[i], ARGV[i + 1]
  redis.call('HSET', B .. 'm:' .. id, 'k', key, 'w', ARGV[i + 2], 't', ARGV[i + 3], 'h', ARGV[i + 4], 'p', ARGV[i + 5],
    'e', now, 'a', 0, 'l', '')
  redis.call('RPUSH', B .. 'k:' .. key, id)
  weights[key] = ARGV[i + 2]
  i = i + 6
end
-- Once per key and per batch, not per message: the key's weight and its place in the ring.
for key, weight in pairs(weights) do
  activate_key(B, key, weight)
end
redis.call('HINCRBY', B .. 'c', 'pending', n)
notify(ARGV[2], ARGV[3])
return n
