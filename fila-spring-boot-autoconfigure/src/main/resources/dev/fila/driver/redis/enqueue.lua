-- ARGV: base, notify channel, queue name, count, then per message: id, key, weight, throttles, headers, payload
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[3])
end
local now = math.floor(now_ms())
local n = tonumber(ARGV[4])
local i = 5
for _ = 1, n do
  local id, key, weight = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('HSET', B .. 'm:' .. id, 'k', key, 'w', weight, 't', ARGV[i + 3], 'h', ARGV[i + 4], 'p', ARGV[i + 5],
    'e', now, 'a', 0, 'l', '')
  push_pending(B, key, weight, id, false)
  i = i + 6
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return n
