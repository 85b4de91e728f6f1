-- ARGV: base, notify channel, queue name, paused ('1' or '0'), n, n paused fairness keys, m, m pairs of
-- fairness key and weight. Replaces the queue's flow control state (an operator's pauses and weight
-- overrides); returns 0 when the queue does not exist (the driver applies it when it is created).
--   B..'meta' paused ('1' while the whole queue is paused), pk (paused keys), wo (weight overrides):
--             the counts let fetch.lua skip the lookups when there is nothing to look up
--   B..'kp'   set of paused fairness keys; B..'wo' hash key -> weight that wins over B..'w'
local B = ARGV[1]
if not require_queue(B) then
  return 0
end
redis.call('DEL', B .. 'kp', B .. 'wo')
local i = 5
local n = tonumber(ARGV[i])
for j = 1, n do
  redis.call('SADD', B .. 'kp', ARGV[i + j])
end
i = i + n + 1
local m = tonumber(ARGV[i])
for j = 1, m do
  redis.call('HSET', B .. 'wo', ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
if ARGV[4] == '1' then
  redis.call('HSET', B .. 'meta', 'paused', '1')
else
  redis.call('HDEL', B .. 'meta', 'paused')
end
if n > 0 then redis.call('HSET', B .. 'meta', 'pk', n) else redis.call('HDEL', B .. 'meta', 'pk') end
if m > 0 then redis.call('HSET', B .. 'meta', 'wo', m) else redis.call('HDEL', B .. 'meta', 'wo') end
-- Waiting consumers look again: a resumed queue or key delivers at once.
notify(ARGV[2], ARGV[3])
return 1
