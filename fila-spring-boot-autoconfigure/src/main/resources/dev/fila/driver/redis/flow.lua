-- ARGV: base, notify channel, queue name, paused ('1' or '0'), n, n paused fairness keys, m, m pairs of
-- fairness key and weight, key in-flight limit (0: none), queue in-flight limit (0: none), l, l pairs of
-- fairness key and its own in-flight limit, priority aging ms (0: none). Replaces the queue's flow control state (pauses, weight
-- overrides, in-flight limits); returns 0 when the queue does not exist (the driver applies it when
-- the queue is created).
--   B..'meta' paused ('1' while the whole queue is paused), pk (paused keys), wo (weight overrides),
--             kmf (in-flight limit of every key), qmf (of the queue), kl (keys with their own limit):
--             absent when 0, so fetch.lua skips the lookups when there is nothing to look up
--   B..'kp'   set of paused fairness keys; B..'wo' hash key -> weight that wins over B..'w';
--   B..'kl'   hash key -> in-flight limit that wins over kmf
--   ag        in meta: the priority aging (see common.lua); set, it applies to messages that become
--             pending from then on (enqueued, retried, given back); removed, B..'ag' goes with it
local B = ARGV[1]
if not require_queue(B) then
  return 0
end
redis.call('DEL', B .. 'kp', B .. 'wo', B .. 'kl')
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
i = i + 2 * m + 1
local kmf, qmf = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
local l = tonumber(ARGV[i + 2])
i = i + 2
for j = 1, l do
  redis.call('HSET', B .. 'kl', ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
local ag = tonumber(ARGV[i + 2 * l + 1] or '0')
if ag <= 0 then
  redis.call('DEL', B .. 'ag')
end
for field, value in pairs({ kmf = kmf, qmf = qmf, kl = l, ag = ag }) do
  if value > 0 then redis.call('HSET', B .. 'meta', field, value) else redis.call('HDEL', B .. 'meta', field) end
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
