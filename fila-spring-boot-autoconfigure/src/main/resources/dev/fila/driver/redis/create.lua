-- ARGV: base, visibility ms, quantum, dead-letter (1|0)
local B = ARGV[1]
redis.call('HSET', B .. 'meta', 'vis', ARGV[2], 'quantum', ARGV[3], 'dl', ARGV[4])
redis.call('HSETNX', B .. 'c', 'pending', 0)
return 1
