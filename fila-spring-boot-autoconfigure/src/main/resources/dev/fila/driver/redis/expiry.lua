-- Temporary queues (request-reply's reply queues) with the Redis time past which any instance
-- may delete them: a sorted set '<prefix>:expiring', queue name -> deadline (ms).
-- KEYS[1]: the sorted set. ARGV: 'add', queue, milliseconds from now: registers a queue.
-- ARGV: 'take', max: removes and returns up to max queues past their deadline, for deletion.
local Z = KEYS[1]
if ARGV[1] == 'add' then
  redis.call('ZADD', Z, now_ms() + tonumber(ARGV[3]), ARGV[2])
  return 1
end
local due = redis.call('ZRANGEBYSCORE', Z, '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
  redis.call('ZREM', Z, unpack(due))
end
return due
