-- ARGV: base, queue name. Removes pending and delayed messages; returns how many.
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[2])
end
local removed = 0
for _, key in ipairs(redis.call('SMEMBERS', B .. 'ringset')) do
  for _, id in ipairs(redis.call('LRANGE', B .. 'k:' .. key, 0, -1)) do
    redis.call('DEL', B .. 'm:' .. id)
    removed = removed + 1
  end
  redis.call('DEL', B .. 'k:' .. key)
end
for _, id in ipairs(redis.call('ZRANGE', B .. 'delayed', 0, -1)) do
  redis.call('DEL', B .. 'm:' .. id)
  removed = removed + 1
end
redis.call('DEL', B .. 'delayed', B .. 'ring', B .. 'ringset', B .. 'drr', B .. 'turn', B .. 'kdl')
redis.call('HSET', B .. 'c', 'pending', 0)
for _, key in ipairs(redis.call('HKEYS', B .. 'w')) do
  forget_key_if_idle(B, key)
end
return removed
