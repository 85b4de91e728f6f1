-- ARGV: dlq base, source base, count, notify channel, source name, dlq name
-- Moves up to count messages back to the source queue as new deliveries, without fila-* headers.
local DB, SB, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
if not require_queue(DB) then
  return redis.error_reply('NOQUEUE ' .. ARGV[6])
end
if not require_queue(SB) then
  return redis.error_reply('NOQUEUE ' .. ARGV[5])
end
local moved = 0
local keys = redis.call('LRANGE', DB .. 'ring', 0, -1)
for _, key in ipairs(keys) do
  while moved < count do
    local id = redis.call('LPOP', DB .. 'k:' .. key)
    if not id then break end
    local M = DB .. 'm:' .. id
    local f = redis.call('HMGET', M, 'k', 'w', 't', 'h', 'p', 'e')
    local headers = cjson.decode(f[4])
    headers['fila-attempts'] = nil
    headers['fila-error'] = nil
    headers['fila-source-queue'] = nil
    redis.call('DEL', M)
    redis.call('HINCRBY', DB .. 'c', 'pending', -1)
    redis.call('HSET', SB .. 'm:' .. id, 'k', f[1], 'w', f[2], 't', f[3], 'h', cjson.encode(headers), 'p', f[5],
      'e', f[6], 'a', 0, 'l', '')
    push_pending(SB, f[1], f[2], id, false)
    moved = moved + 1
  end
  if moved >= count then break end
end
if moved > 0 then
  notify(ARGV[4], ARGV[5])
end
return moved
