-- ARGV: base, max, throttle prefix, queue name
-- Returns { leased messages, hint, limited }: each message is { id, key, weight, throttles, headers,
-- payload, enqueued at, attempts, lease token }; hint is the ms until something may become
-- deliverable (a retry due, a lease expiring, a throttle permit), or -1; limited is 1 when a
-- throttle held a message back in this pass, else 0 (counted by the driver for metrics).
local B, max, TP = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local meta = redis.call('HMGET', B .. 'meta', 'vis', 'quantum')
if not meta[1] then
  return redis.error_reply('NOQUEUE ' .. ARGV[4])
end
local vis, quantum = tonumber(meta[1]), tonumber(meta[2])
local now = now_ms()
apply_deadlines(B, now)

local out = {}
local throttle_wait = -1

-- Bookkeeping shared by every message of this fetch is written once at the end.
local lease_args = {}
local next_token = nil

local function lease(id, key)
  if not next_token then
    next_token = redis.call('INCRBY', B .. 'seq', max) - max + 1
  end
  local token = tostring(next_token)
  next_token = next_token + 1
  local M = B .. 'm:' .. id
  local m = redis.call('HMGET', M, 'k', 'w', 't', 'h', 'p', 'e', 'a')
  local attempts = tonumber(m[7]) + 1
  redis.call('HSET', M, 'a', attempts, 'l', token)
  lease_args[#lease_args + 1] = now + vis
  lease_args[#lease_args + 1] = id
  -- In flight at once: a key that runs dry later in this fetch must not look idle.
  redis.call('HINCRBY', B .. 'kin', key, 1)
  return { id, m[1], m[2], m[3], m[4], m[5], m[6], attempts, token }
end

-- Deficit round robin, exactly as dev.fila.scheduling.DeficitRoundRobin: each selection offers
-- every key in the ring at most once.
while #out < max do
  local served = false
  local offers = redis.call('LLEN', B .. 'ring')
  while offers > 0 do
    offers = offers - 1
    local key = redis.call('LINDEX', B .. 'ring', 0)
    local head = redis.call('LINDEX', B .. 'k:' .. key, 0)
    if not head then
      -- The key ran out of messages: it leaves the ring and forgets its credits.
      redis.call('LPOP', B .. 'ring')
      redis.call('SREM', B .. 'ringset', key)
      redis.call('HDEL', B .. 'drr', key)
      redis.call('HDEL', B .. 'turn', key)
      forget_key_if_idle(B, key)
    else
      local stored = tonumber(redis.call('HGET', B .. 'drr', key) or '0')
      local deficit = stored
      local in_turn = redis.call('HGET', B .. 'turn', key) == '1'
      if not in_turn then
        deficit = deficit + quantum * tonumber(redis.call('HGET', B .. 'w', key) or '1')
      end
      local took = false
      if deficit >= 1 then
        local throttles = redis.call('HGET', B .. 'm:' .. head, 't')
        local wait = 0
        if throttles and throttles ~= '' then
          wait = try_acquire(TP, throttles, now)
        end
        if wait > 0 then
          if throttle_wait < 0 or wait < throttle_wait then throttle_wait = wait end
          deficit = 0 -- a blocked key does not bank credits
        else
          redis.call('LPOP', B .. 'k:' .. key)
          deficit = deficit - 1
          out[#out + 1] = lease(head, key)
          took = true
        end
      end
      -- Written only when changed: a key served once per turn (quantum 1, weight 1) writes nothing.
      if deficit ~= stored then
        redis.call('HSET', B .. 'drr', key, tostring(deficit))
      end
      local turn_ends = not took or deficit < 1
      if turn_ends then
        if in_turn then
          redis.call('HSET', B .. 'turn', key, '0')
        end
        redis.call('LMOVE', B .. 'ring', B .. 'ring', 'LEFT', 'RIGHT')
      elseif not in_turn then
        redis.call('HSET', B .. 'turn', key, '1')
      end
      if took then
        served = true
        break
      end
    end
  end
  if not served then break end
end

if #out > 0 then
  -- In slices: unpack has a limit on how many values it can spread (prefetch goes up to 10,000).
  for first = 1, #lease_args, 2000 do
    redis.call('ZADD', B .. 'leases', unpack(lease_args, first, math.min(first + 1999, #lease_args)))
  end
  redis.call('HINCRBY', B .. 'c', 'pending', -#out)
end

local hint = throttle_wait
local nextDelayed = redis.call('ZRANGE', B .. 'delayed', 0, 0, 'WITHSCORES')
if nextDelayed[2] then
  local w = tonumber(nextDelayed[2]) - now
  if hint < 0 or w < hint then hint = w end
end
local nextLease = redis.call('ZRANGE', B .. 'leases', 0, 0, 'WITHSCORES')
if nextLease[2] then
  local w = tonumber(nextLease[2]) - now
  if hint < 0 or w < hint then hint = w end
end
if hint >= 0 then hint = math.ceil(hint) end
local limited = 0
if throttle_wait >= 0 then limited = 1 end
return { out, hint, limited }
