-- Redis Cluster: a throttle bucket lives in its own hash slot, apart from the queues it limits,
-- so a fetch takes permits here first and gives back what it did not spend.
-- ARGV: bucket key, 'take' or 'give', count.
-- take returns { granted, ms until the next permit } ({ -1, 0 } when the key has no bucket: no limit);
-- give returns { tokens after } and never fills a bucket beyond its burst.
local K, op, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local rate, burst, tokens = refilled_bucket(K, now)
if not rate then
  return { -1, 0 }
end
if op == 'give' then
  tokens = math.min(burst, tokens + n)
  redis.call('HSET', K, 'tokens', tostring(tokens), 'ts', tostring(now))
  return { math.floor(tokens) }
end
local granted = math.min(n, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted
redis.call('HSET', K, 'tokens', tostring(tokens), 'ts', tostring(now))
local wait = 0
if granted < n then
  if rate > 0 then
    wait = math.ceil((1 - (tokens - math.floor(tokens))) * 1000 / rate)
  else
    wait = 1000
  end
end
return { granted, wait }
