-- ARGV: base, queue name. Returns { pending, in-flight, delayed, expired, { key, pending, in-flight, delayed, weight }...,
-- ids skipped now because their message hash was gone (see apply_deadlines), missing so far }
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[2])
end
local skipped = apply_deadlines(B, now_ms())
local keys = {}
-- Level 0 and the levels above it whose ring holds keys: one LLEN per key and level in use.
local levels = { 0 }
for level = 1, top_level(B) do
  if redis.call('LLEN', ring_of(B, level)) > 0 then levels[#levels + 1] = level end
end
for _, key in ipairs(redis.call('HKEYS', B .. 'w')) do
  local pending = 0
  for _, level in ipairs(levels) do
    pending = pending + redis.call('LLEN', list_of(B, level, key))
  end
  keys[#keys + 1] = { key, pending, tonumber(redis.call('HGET', B .. 'kin', key) or '0'),
    tonumber(redis.call('HGET', B .. 'kdl', key) or '0'), redis.call('HGET', B .. 'w', key) }
end
return { tonumber(redis.call('HGET', B .. 'c', 'pending') or '0'), redis.call('ZCARD', B .. 'leases'),
  redis.call('ZCARD', B .. 'delayed'), tonumber(redis.call('HGET', B .. 'c', 'expired') or '0'), keys, skipped,
  tonumber(redis.call('HGET', B .. 'c', 'missing') or '0') }
