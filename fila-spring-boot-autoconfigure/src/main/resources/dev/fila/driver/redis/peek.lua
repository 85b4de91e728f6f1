-- ARGV: base, queue name, count. Returns the oldest pending messages (not leased, not delayed),
-- oldest first, each { id, k, w, t, h, p, e, a, r }, and the ids skipped because their hash was gone.
-- Changes nothing but what apply_deadlines does (expired leases and due retries back to their keys).
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[2])
end
local skipped = apply_deadlines(B, now_ms())
local count = tonumber(ARGV[3])
-- Each key's list is FIFO, so the oldest overall are among the first `count` of every key.
local candidates = {}
for level = 0, top_level(B) do
  for _, key in ipairs(redis.call('LRANGE', ring_of(B, level), 0, -1)) do
    for _, id in ipairs(redis.call('LRANGE', list_of(B, level, key), 0, count - 1)) do
      local e = redis.call('HGET', B .. 'm:' .. id, 'e')
      if e then
        candidates[#candidates + 1] = { tonumber(e), id }
      end
    end
  end
end
table.sort(candidates, function(a, b)
  if a[1] ~= b[1] then
    return a[1] < b[1]
  end
  return a[2] < b[2]
end)
local out = {}
for i = 1, math.min(count, #candidates) do
  local id = candidates[i][2]
  local m = redis.call('HMGET', B .. 'm:' .. id, 'k', 'w', 't', 'h', 'p', 'e', 'a', 'r')
  out[#out + 1] = { id, m[1], m[2], m[3], m[4], m[5], m[6], tonumber(m[7] or '0'), tonumber(m[8] or '0') }
end
return { out, skipped }
