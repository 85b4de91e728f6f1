-- Shared by every Fila script. B is the key base of one queue ("<prefix>:{<tag>}:<queue>:");
-- every key of a queue and of its dead-letter queue shares the hash tag, so one script only
-- ever touches one hash slot (throttle buckets aside, see docs/drivers/redis.md).
--   B..'meta'    hash: vis (lease ms), quantum, dl (1 when the queue has a DLQ)
--   B..'m:'..id  hash per message: k key, w weight, t throttle keys (JSON or ''), h headers (JSON),
--                p payload, e enqueued at (ms), a attempts that ended without an ack (absent: 0)
--   B..'lt'      hash id -> '<lease token>:<key>' of every leased message: a fetch writes its leases
--                with one HSET and an ack batch reads them with one HMGET, where a field of each
--                message's hash would cost a call per message (see lease_of)
--   B..'k:'..key list of pending ids of one fairness key
--   B..'ring'    list of fairness keys in deficit round robin order; B..'ringset' the same as a set
--   B..'w'       hash key -> weight; B..'drr' key -> deficit ('t' in front while its turn runs)
--   B..'kin'     hash key -> in-flight count; B..'kdl' key -> delayed count
--   B..'leases'  zset id -> lease deadline (whole ms, Redis time); B..'delayed' zset id -> due time
--   B..'c'       hash: pending count, expired lease count; B..'seq' lease token counter
--   B..'hw'      hash: hand-off channel of a consumer instance waiting for messages -> '<max>:<expires
--                at ms>:<throttle prefix>' (see fetch.lua and enqueue.lua)
--
-- Priority levels 1 to 9 (served before 0, 9 first) each have their own ring, ring set, deficits and
-- key lists, named with the level after the name of level 0's: B..'ring5', B..'ringset5', B..'drr5',
-- B..'k5:'..key (see ring_of and friends). A message at a level above 0 has field r (its priority);
-- meta field pr is set once any message was queued above level 0, so a queue without priorities
-- looks at level 0 only. With priority aging (meta field ag, in ms), a pending message below level 9
-- is in the zset B..'ag' scored with the time it moves up a level, and its field v is the level it
-- is queued at now.

--   B..'c' also counts 'missing': ids found without their message hash (evicted under a maxmemory
--                policy other than noeviction, or deleted by hand), skipped by the scripts
--
-- Scripts are not transactions: Redis keeps the writes a script made before it raised an error.
-- So a script raises (redis.error_reply, a failing call) only before its first write; after that,
-- data it cannot use (a missing hash, unreadable JSON) is skipped and counted, never an error.

-- Wakes consumers of a queue. On Redis Cluster the driver passes a channel with the queue's hash
-- tag and the script uses sharded pub/sub (SPUBLISH), which reaches subscribers on the slot's own
-- nodes without going over the cluster bus; on one Redis it passes '<prefix>:notify' (PUBLISH).
local function notify(channel, queue)
  if string.find(channel, '{', 1, true) then
    redis.call('SPUBLISH', channel, queue)
  else
    redis.call('PUBLISH', channel, queue)
  end
end

-- Decodes JSON written by the driver (headers, throttle keys) without raising: a table, or an
-- empty one when the text is not a JSON object or array.
local function json_table(text)
  if not text or text == '' then
    return {}
  end
  local ok, value = pcall(cjson.decode, text)
  if ok and type(value) == 'table' then
    return value
  end
  return {}
end

-- Counts ids of a queue whose message hash was gone (see the layout above).
local function count_missing(B, n)
  if n > 0 then
    redis.call('HINCRBY', B .. 'c', 'missing', n)
  end
end

-- An integer as a Redis argument. Lua formats a number passed to redis.call with '%.14g', which
-- goes through glibc's floating-point printing: measured under callgrind, a tenth of all the
-- instructions Redis spent on a fetch, enqueue and ack cycle. '%d' formats an integer directly.
local function int_s(x)
  return string.format('%d', x)
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- The names of a priority level's ring, ring set, deficits and key lists (see the layout above).
local function ring_of(B, level)
  if level == 0 then return B .. 'ring' end
  return B .. 'ring' .. level
end

local function set_of(B, level)
  if level == 0 then return B .. 'ringset' end
  return B .. 'ringset' .. level
end

local function drr_of(B, level)
  if level == 0 then return B .. 'drr' end
  return B .. 'drr' .. level
end

local function list_of(B, level, key)
  if level == 0 then return B .. 'k:' .. key end
  return B .. 'k' .. level .. ':' .. key
end

-- The highest level that may have messages: 9 once any message went above level 0, else 0.
local function top_level(B)
  if redis.call('HEXISTS', B .. 'meta', 'pr') == 1 then return 9 end
  return 0
end

local function activate_key(B, key, weight, level)
  redis.call('HSET', B .. 'w', key, weight)
  if redis.call('SADD', set_of(B, level), key) == 1 then
    redis.call('RPUSH', ring_of(B, level), key)
  end
end

-- activate_key for many keys of one level at once (distinct, in the order they join the ring):
-- three calls per thousand keys, where activate_key makes up to three per key. Their weights are
-- the caller's to store (enqueue.lua: one HSET for the whole batch).
local function activate_keys(B, level, keys)
  local S = set_of(B, level)
  -- In slices: unpack has a limit on how many values it can spread.
  for first = 1, #keys, 1000 do
    local last = math.min(first + 999, #keys)
    local present = redis.call('SMISMEMBER', S, unpack(keys, first, last))
    local joining = {}
    for i, member in ipairs(present) do
      if member == 0 then joining[#joining + 1] = keys[first + i - 1] end
    end
    if #joining > 0 then
      redis.call('SADD', S, unpack(joining))
      redis.call('RPUSH', ring_of(B, level), unpack(joining))
    end
  end
end

-- The level a message becomes pending at: its priority r, with aging (ag ms, 0 for none) one more
-- per period waited since it was enqueued at e; registers its next move up in B..'ag'.
local function place(B, id, r, e, now, ag)
  local priority = tonumber(r or '0') or 0
  local level = priority
  if ag > 0 then
    local waited = now - (tonumber(e) or now)
    if waited > 0 then
      level = math.min(9, priority + math.floor(waited / ag))
    end
    if level < 9 then
      redis.call('ZADD', B .. 'ag', (tonumber(e) or now) + (level - priority + 1) * ag, id)
    end
    redis.call('HSET', B .. 'm:' .. id, 'v', level)
  end
  if level > 0 then
    redis.call('HSETNX', B .. 'meta', 'pr', '1')
  end
  return level
end

-- The queue's priority aging in ms, 0 for none.
local function aging_of(B)
  return tonumber(redis.call('HGET', B .. 'meta', 'ag') or '0')
end

local function push_pending(B, key, weight, id, at_head, level)
  if at_head then
    redis.call('LPUSH', list_of(B, level, key), id)
  else
    redis.call('RPUSH', list_of(B, level, key), id)
  end
  activate_key(B, key, weight, level)
  redis.call('HINCRBY', B .. 'c', 'pending', '1')
end

-- The keys whose flag in flags (an SMISMEMBER reply for them, in order) is 0: not members.
local function not_members(keys, flags)
  local left = {}
  for i, flag in ipairs(flags) do
    if flag == 0 then left[#left + 1] = keys[i] end
  end
  return left
end

-- Forgets, of keys known to have nothing in flight (an ack batch's, a fetch's emptied ones), those
-- that hold nothing any more (no pending message at any level, none delayed): their in-flight and
-- delayed counts and their weights. A key with messages pending at a level is in that level's ring
-- set (every push places the key in its ring, and it leaves only once a fetch, purge or redrive
-- finds its list empty), so the ring sets answer for the pending ones: a few calls per thousand
-- keys. top is the queue's highest level in use when the caller knows it (see top_level), else nil;
-- returns it when it was given or read, so that a caller forgetting keys one by one reads it once.
local function forget_keys_if_idle(B, keys, top)
  -- In slices: unpack has a limit on how many values it can spread.
  for first = 1, #keys, 1000 do
    local idle = { unpack(keys, first, math.min(first + 999, #keys)) }
    idle = not_members(idle, redis.call('SMISMEMBER', B .. 'ringset', unpack(idle)))
    if #idle > 0 then
      top = top or top_level(B)
      for level = 1, top do
        idle = not_members(idle, redis.call('SMISMEMBER', set_of(B, level), unpack(idle)))
        if #idle == 0 then break end
      end
    end
    if #idle > 0 then
      local delayed = redis.call('HMGET', B .. 'kdl', unpack(idle))
      local forgotten, counted = {}, {}
      for i, key in ipairs(idle) do
        if not delayed[i] then
          forgotten[#forgotten + 1] = key
        elseif (tonumber(delayed[i]) or 0) <= 0 then
          forgotten[#forgotten + 1] = key
          counted[#counted + 1] = key
        end
      end
      if #forgotten > 0 then
        redis.call('HDEL', B .. 'kin', unpack(forgotten))
        if #counted > 0 then
          redis.call('HDEL', B .. 'kdl', unpack(counted))
        end
        redis.call('HDEL', B .. 'w', unpack(forgotten))
      end
    end
  end
  return top
end

-- forget_keys_if_idle for one key whose in-flight count the caller has not read.
local function forget_key_if_idle(B, key, top)
  if tonumber(redis.call('HGET', B .. 'kin', key) or '0') > 0 then return top end
  return forget_keys_if_idle(B, { key }, top)
end

-- A key at the head of a level's ring that ran out of messages there leaves that ring and forgets
-- its credits there (purge and redrive; fetch drops the keys it finds empty in a batch, see
-- fetch.lua); top as for forget_keys_if_idle.
local function drop_ring_key(B, key, level, top)
  redis.call('LPOP', ring_of(B, level))
  redis.call('SREM', set_of(B, level), key)
  redis.call('HDEL', drr_of(B, level), key)
  forget_key_if_idle(B, key, top)
end

-- Reads a token bucket refilled up to now: rate, burst and tokens, or nil when the key has no
-- bucket (no limit). Nothing is written; the caller stores what it takes.
local function refilled_bucket(K, now)
  local b = redis.call('HMGET', K, 'rate', 'burst', 'tokens', 'ts')
  if not b[1] then
    return nil
  end
  local rate, burst = tonumber(b[1]), tonumber(b[2])
  local tokens = tonumber(b[3]) or burst
  local ts = tonumber(b[4]) or now
  if now > ts then
    tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  end
  return rate, burst, tokens
end

-- Refills and checks every bucket of a message; takes one permit from each only if all have one.
-- Returns 0 when the permits were taken, else the ms until they may be available.
local function try_acquire(TP, throttles, now)
  local keys = json_table(throttles)
  local buckets = {}
  local wait = 0
  for i, tk in ipairs(keys) do
    local rate, _, tokens = refilled_bucket(TP .. tk, now)
    if rate then
      if tokens < 1 then
        local w = (1 - tokens) * 1000 / rate
        if w > wait then wait = w end
      end
      buckets[#buckets + 1] = { TP .. tk, tokens }
    end
  end
  if wait > 0 then
    return wait
  end
  for _, b in ipairs(buckets) do
    redis.call('HSET', b[1], 'tokens', tostring(b[2] - 1), 'ts', tostring(now))
  end
  return 0
end

-- The lease of a message: its token and its key, or nil when it is not leased. A message leased by
-- a version that kept the token in the message's hash (field l) has no entry in B..'lt' until it
-- is settled or its lease ends: lease_of falls back to that field (a call only for those).
local function lease_of(B, id, entry)
  if entry then
    local colon = string.find(entry, ':', 1, true)
    if colon then
      return string.sub(entry, 1, colon - 1), string.sub(entry, colon + 1)
    end
    return nil
  end
  local m = redis.call('HMGET', B .. 'm:' .. id, 'l', 'k')
  if m[1] and m[1] ~= '' and m[2] then
    return m[1], m[2]
  end
  return nil
end

-- Ends the lease of a message (the caller has removed it from B..'leases'). counted: whether the
-- attempt it was counts (an expiry, a nack; not a release). The leased attempt's number is a + 1,
-- so the hash is written only when a lease ends without an ack; a hash that still has field l was
-- leased by the earlier layout, which counted the attempt when it leased.
local function end_lease(B, id, counted)
  local M = B .. 'm:' .. id
  if redis.call('HDEL', B .. 'lt', id) == 1 then
    if counted then
      redis.call('HINCRBY', M, 'a', '1')
    end
  elseif redis.call('HDEL', M, 'l') == 1 and not counted then
    redis.call('HINCRBY', M, 'a', '-1')
  end
end

-- Expired leases go back to the head of their key (their attempt counted); due retries to its tail.
-- Returns how many ids it skipped because their message hash was gone (counted as 'missing'; their
-- key is unknown, so its in-flight or delayed count stays one too high until the key is forgotten).
local function apply_deadlines(B, now)
  local missing = 0
  local ag = nil
  -- Deadlines and due times are whole milliseconds: the current one is due too (see int_s).
  local until_now = int_s(math.floor(now))
  local expired = redis.call('ZRANGEBYSCORE', B .. 'leases', '-inf', until_now, 'LIMIT', '0', '200')
  for _, id in ipairs(expired) do
    redis.call('ZREM', B .. 'leases', id)
    local m = redis.call('HMGET', B .. 'm:' .. id, 'k', 'w', 'r', 'e')
    if m[1] then
      end_lease(B, id, true)
      redis.call('HINCRBY', B .. 'kin', m[1], '-1')
      redis.call('HINCRBY', B .. 'c', 'expired', '1')
      ag = ag or aging_of(B)
      push_pending(B, m[1], m[2], id, true, place(B, id, m[3], m[4], now, ag))
    else
      redis.call('HDEL', B .. 'lt', id)
      missing = missing + 1
    end
  end
  local due = redis.call('ZRANGEBYSCORE', B .. 'delayed', '-inf', until_now, 'LIMIT', '0', '200')
  for _, id in ipairs(due) do
    redis.call('ZREM', B .. 'delayed', id)
    local m = redis.call('HMGET', B .. 'm:' .. id, 'k', 'w', 'r', 'e')
    if m[1] then
      redis.call('HINCRBY', B .. 'kdl', m[1], '-1')
      ag = ag or aging_of(B)
      push_pending(B, m[1], m[2], id, false, place(B, id, m[3], m[4], now, ag))
    else
      missing = missing + 1
    end
  end
  count_missing(B, missing)
  return missing
end

-- Acks the messages whose ids and lease tokens are ARGV[first], ARGV[first + 1], ... up to
-- ARGV[last] (one queue). Returns a string with one character per message, in order: '1' acked,
-- '0' the lease was lost; and how many were acked. Used by ack.lua and, for the acks a consumer
-- sends with its next fetch, by fetch.lua (before it leases anything).
local function ack_messages(B, first, last)
  local results = {}
  local ids = {}
  local hashes = {}
  local settled = {}
  local seen = {}
  local asked, tokens = {}, {}
  for i = first, last - 1, 2 do
    asked[#asked + 1] = ARGV[i]
    tokens[#tokens + 1] = ARGV[i + 1]
  end
  -- In slices: unpack has a limit on how many values it can spread.
  for from = 1, #asked, 1000 do
    local to = math.min(from + 999, #asked)
    local entries = redis.call('HMGET', B .. 'lt', unpack(asked, from, to))
    for n = from, to do
      local id = asked[n]
      local leased, key = lease_of(B, id, entries[n - from + 1])
      if leased ~= tokens[n] or seen[id] then
        results[#results + 1] = '0'
      else
        results[#results + 1] = '1'
        ids[#ids + 1] = id
        hashes[#hashes + 1] = B .. 'm:' .. id
        seen[id] = true -- the same message twice in one batch settles once
        settled[key] = (settled[key] or 0) + 1
      end
    end
  end
  if #ids > 0 then
    -- In slices: unpack has a limit on how many values it can spread.
    for from = 1, #ids, 1000 do
      local to = math.min(from + 999, #ids)
      redis.call('ZREM', B .. 'leases', unpack(ids, from, to))
      redis.call('HDEL', B .. 'lt', unpack(ids, from, to))
      redis.call('DEL', unpack(hashes, from, to))
    end
    -- Once per fairness key and batch, not per message; the keys left with nothing in flight are
    -- looked at together.
    local idle = {}
    for key, count in pairs(settled) do
      if redis.call('HINCRBY', B .. 'kin', key, int_s(-count)) <= 0 then
        idle[#idle + 1] = key
      end
    end
    if #idle > 0 then
      forget_keys_if_idle(B, idle)
    end
  end
  return table.concat(results), #ids
end

local function check_lease(B, id, token)
  return (lease_of(B, id, redis.call('HGET', B .. 'lt', id))) == token
end

local function require_queue(B)
  if redis.call('EXISTS', B .. 'meta') == 0 then
    return false
  end
  return true
end
