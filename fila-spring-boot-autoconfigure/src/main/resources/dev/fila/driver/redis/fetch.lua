-- ARGV: base, max, throttle prefix, queue name, then (Redis Cluster only) the permits taken for
-- this fetch: a count n followed by n pairs of throttle key and permits (-1: no bucket, no limit).
-- Without that count, throttle buckets are read and charged here (one Redis: same script).
-- With it, buckets live in other hash slots and are never touched; the permits are spent instead.
-- Returns { leased messages, hint, limited, wanted }: each message is { id, key, weight, throttles,
-- headers, payload, enqueued at, attempts, lease token }; hint is the ms until something may
-- become deliverable (a retry due, a lease expiring, a throttle permit), or -1; limited is 1 when
-- a throttle held a message back in this pass, else 0 (counted by the driver for metrics);
-- wanted (permits mode) is a flat list of throttle key, permits spent, for every key asked for.
local B, max, TP = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local permits = nil
local wanted = {}
if ARGV[5] then
  permits = {}
  for i = 1, tonumber(ARGV[5]) do
    permits[ARGV[4 + 2 * i]] = tonumber(ARGV[5 + 2 * i])
  end
end

-- Permits mode: spends one permit of every throttle key of a message, only if all have one.
-- Returns 0 when spent, else 1 (the driver knows when its buckets refill, not this script).
local function try_spend(throttles)
  local keys = cjson.decode(throttles)
  local ok = true
  for _, tk in ipairs(keys) do
    if not wanted[tk] then wanted[tk] = 0 end
    local p = permits[tk]
    if p == nil or (p >= 0 and p < 1) then ok = false end
  end
  if not ok then
    return 1
  end
  for _, tk in ipairs(keys) do
    if permits[tk] >= 0 then
      permits[tk] = permits[tk] - 1
    end
    wanted[tk] = wanted[tk] + 1
  end
  return 0
end
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

-- Leases a message already popped from its key; m is its HMGET of k, w, t, h, p, e, a.
local function lease(id, key, m)
  if not next_token then
    next_token = redis.call('INCRBY', B .. 'seq', max) - max + 1
  end
  local token = tostring(next_token)
  next_token = next_token + 1
  local attempts = tonumber(m[7]) + 1
  redis.call('HSET', B .. 'm:' .. id, 'a', attempts, 'l', token)
  lease_args[#lease_args + 1] = now + vis
  lease_args[#lease_args + 1] = id
  -- In flight at once: a key that runs dry later in this fetch must not look idle.
  redis.call('HINCRBY', B .. 'kin', key, 1)
  return { id, m[1], m[2], m[3], m[4], m[5], m[6], attempts, token }
end

-- A key that ran out of messages leaves the ring and forgets its credits.
local function drop_key(key)
  redis.call('LPOP', B .. 'ring')
  redis.call('SREM', B .. 'ringset', key)
  redis.call('HDEL', B .. 'drr', key)
  forget_key_if_idle(B, key)
end

-- Deficit round robin, exactly as dev.fila.scheduling.DeficitRoundRobin: each selection offers
-- every key in the ring at most once. A key's deficit is stored in B..'drr' as a number, with
-- a 't' in front while its turn runs (the turn got its quantum and continues at the next
-- selection); written only when it changes, so a key served once per turn writes nothing.
-- The ring only shrinks in this loop (nothing is activated), so its length is kept here.
local ring_len = redis.call('LLEN', B .. 'ring')
while #out < max and ring_len > 0 do
  local served = false
  local offers = ring_len
  while offers > 0 do
    offers = offers - 1
    local key = redis.call('LINDEX', B .. 'ring', 0)
    local state = redis.call('HGET', B .. 'drr', key)
    local in_turn = state and string.sub(state, 1, 1) == 't'
    local stored = tonumber(in_turn and string.sub(state, 2) or state or '0')
    local deficit = stored
    if not in_turn then
      deficit = deficit + quantum * tonumber(redis.call('HGET', B .. 'w', key) or '1')
    end
    local took, dropped = false, false
    if deficit >= 1 then
      local head = redis.call('LPOP', B .. 'k:' .. key)
      if not head then
        drop_key(key)
        dropped = true
      else
        local m = redis.call('HMGET', B .. 'm:' .. head, 'k', 'w', 't', 'h', 'p', 'e', 'a')
        local wait = 0
        if m[3] and m[3] ~= '' then
          if permits then
            wait = try_spend(m[3])
          else
            wait = try_acquire(TP, m[3], now)
          end
        end
        if wait > 0 then
          redis.call('LPUSH', B .. 'k:' .. key, head)
          if throttle_wait < 0 or wait < throttle_wait then throttle_wait = wait end
          deficit = 0 -- a blocked key does not bank credits
        else
          deficit = deficit - 1
          out[#out + 1] = lease(head, key, m)
          took = true
        end
      end
    elseif redis.call('LLEN', B .. 'k:' .. key) == 0 then
      drop_key(key)
      dropped = true
    end
    if dropped then
      ring_len = ring_len - 1
    else
      local turn_ends = not took or deficit < 1
      if turn_ends then
        if deficit ~= stored or in_turn then
          redis.call('HSET', B .. 'drr', key, tostring(deficit))
        end
        redis.call('LMOVE', B .. 'ring', B .. 'ring', 'LEFT', 'RIGHT')
      elseif deficit ~= stored or not in_turn then
        redis.call('HSET', B .. 'drr', key, 't' .. tostring(deficit))
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

-- In permits mode the driver knows when the buckets refill; here only delays and leases count.
local hint = throttle_wait
if permits then hint = -1 end
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
local spent = {}
for tk, n in pairs(wanted) do
  spent[#spent + 1] = tk
  spent[#spent + 1] = n
end
return { out, hint, limited, spent }
