-- ARGV: bucket key, rate, burst. Creates a full bucket or changes one, keeping earned tokens.
local K = ARGV[1]
local now = now_ms()
local b = redis.call('HMGET', K, 'tokens', 'burst')
local burst = tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
if tokens > burst then tokens = burst end
redis.call('HSET', K, 'rate', ARGV[2], 'burst', ARGV[3], 'tokens', tostring(tokens), 'ts', tostring(now))
return 1
