-- ARGV: base. Deletes the queue and every message; returns 1 when it existed.
local B = ARGV[1]
local existed = redis.call('EXISTS', B .. 'meta')
for _, key in ipairs(redis.call('HKEYS', B .. 'w')) do
  for _, id in ipairs(redis.call('LRANGE', B .. 'k:' .. key, 0, -1)) do
    redis.call('DEL', B .. 'm:' .. id)
  end
  redis.call('DEL', B .. 'k:' .. key)
end
for _, key in ipairs(redis.call('SMEMBERS', B .. 'ringset')) do
  redis.call('DEL', B .. 'k:' .. key)
end
for _, z in ipairs({ 'delayed', 'leases' }) do
  for _, id in ipairs(redis.call('ZRANGE', B .. z, 0, -1)) do
    redis.call('DEL', B .. 'm:' .. id)
  end
end
redis.call('DEL', B .. 'meta', B .. 'c', B .. 'seq', B .. 'ring', B .. 'ringset', B .. 'w', B .. 'drr', B .. 'turn',
  B .. 'kin', B .. 'kdl', B .. 'leases', B .. 'delayed')
return existed
