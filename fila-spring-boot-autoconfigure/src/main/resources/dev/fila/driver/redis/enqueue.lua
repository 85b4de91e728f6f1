-- ARGV: base, notify channel, queue name, count, then per message: id, key, weight, throttles, headers, payload,
-- delay ms (0: pending at once; more: held in B..'delayed' until due, counted in B..'kdl'), priority (0 to 9)
local B = ARGV[1]
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[3])
end
local exact = now_ms()
local now = math.floor(exact)
-- Due times round up, so a delayed message is never due before its delay is over.
local due_base = math.ceil(exact)
local now_s = int_s(now)
local n = tonumber(ARGV[4])
local ag = aging_of(B)
-- Per level, the keys to place in its ring, in the order they came (and as a set): once per batch,
-- not per message. Per key, its weight (the last message's wins), stored with one HSET per batch.
local joining = {}
local weights, weighted = {}, {}
-- Per key list, the ids to append, in order: one RPUSH per list and batch, not per message.
local appended, lists = {}, {}
-- The most payload and header bytes one hand-off carries (RedisHandOff.MAX_BYTES): a hand-off is one
-- PUBLISH, and Redis drops a subscriber whose output passes its pubsub limit (32 MiB by default).
local HAND_OFF_MAX_BYTES = 1048576
local oversized = false
local pending = 0
local i = 5
for _ = 1, n do
  local id, key, priority = ARGV[i], ARGV[i + 1], ARGV[i + 7]
  if #ARGV[i + 4] + #ARGV[i + 5] > HAND_OFF_MAX_BYTES then
    oversized = true
  end
  local M = B .. 'm:' .. id
  redis.call('HSET', M, 'k', key, 'w', ARGV[i + 2], 't', ARGV[i + 3], 'h', ARGV[i + 4], 'p', ARGV[i + 5],
    'e', now_s)
  if priority ~= '0' then
    redis.call('HSET', M, 'r', priority)
  end
  local delay = tonumber(ARGV[i + 6]) or 0
  if delay > 0 then
    redis.call('ZADD', B .. 'delayed', int_s(due_base + delay), id)
    redis.call('HINCRBY', B .. 'kdl', key, '1')
  else
    local level = place(B, id, priority, now, now, ag)
    local list = list_of(B, level, key)
    local ids = appended[list]
    if not ids then
      ids = {}
      appended[list] = ids
      lists[#lists + 1] = list
    end
    ids[#ids + 1] = id
    local keys = joining[level]
    if not keys then
      keys = { seen = {} }
      joining[level] = keys
    end
    if not keys.seen[key] then
      keys.seen[key] = true
      keys[#keys + 1] = key
    end
    if not weights[key] then
      weighted[#weighted + 1] = key
    end
    weights[key] = ARGV[i + 2]
    pending = pending + 1
  end
  i = i + 8
end
for _, list in ipairs(lists) do
  local ids = appended[list]
  -- In slices: unpack has a limit on how many values it can spread.
  for first = 1, #ids, 1000 do
    redis.call('RPUSH', list, unpack(ids, first, math.min(first + 999, #ids)))
  end
end
if #weighted > 0 then
  local pairs_of = {}
  for _, key in ipairs(weighted) do
    pairs_of[#pairs_of + 1] = key
    pairs_of[#pairs_of + 1] = weights[key]
  end
  for first = 1, #pairs_of, 1000 do
    redis.call('HSET', B .. 'w', unpack(pairs_of, first, math.min(first + 999, #pairs_of)))
  end
end
for level, keys in pairs(joining) do
  activate_keys(B, level, keys)
end
if pending > 0 then
  redis.call('HINCRBY', B .. 'c', 'pending', int_s(pending))
end

-- Hand-off (see fetch.lua): consumers that found nothing pending wait registered in B..'hw'. While
-- messages are left, each gets what a fetch of its size would lease now, published on its channel,
-- and its registration ends. A registration counts only if it has not expired and its channel has a
-- subscriber (an instance that stopped or lost its connection gets nothing). When the scheduler
-- leases nothing (a throttle, a limit or a pause holds the messages back) every registration ends:
-- those consumers hear the notification and fetch, and register again only once nothing is pending.
-- A hand-off stops after the message that brings it to HAND_OFF_MAX_BYTES; an enqueue with a message
-- over that hands off nothing and ends every registration the same way, so that message is fetched.
local function netstring(s)
  return #s .. ':' .. s
end

local function encoded(queue, out)
  local parts = { netstring(queue), netstring(tostring(#out)) }
  for _, m in ipairs(out) do
    for f = 1, 10 do
      local v = m[f]
      parts[#parts + 1] = netstring(v and tostring(v) or '')
    end
  end
  return table.concat(parts)
end

local handed = 0
if pending > 0 and oversized then
  redis.call('DEL', B .. 'hw')
elseif pending > 0 then
  local waiters = redis.call('HGETALL', B .. 'hw')
  local meta = nil
  for w = 1, #waiters, 2 do
    if handed >= pending then break end
    local channel = waiters[w]
    local max, expires, TP = read_registration(waiters[w + 1])
    local out = nil
    if max and expires > exact and redis.call('PUBSUB', 'NUMSUB', channel)[2] > 0 then
      meta = meta or scheduling_meta(B)
      out = lease_next(B, max, TP, meta, exact, nil, HAND_OFF_MAX_BYTES)
    end
    if out and #out == 0 then
      redis.call('DEL', B .. 'hw')
      break
    end
    redis.call('HDEL', B .. 'hw', channel)
    if out then
      redis.call('PUBLISH', channel, encoded(ARGV[3], out))
      handed = handed + #out
    end
  end
end
-- Consumers learn the next due time from their next fetch, so delayed messages wake them too.
if handed < n then
  notify(ARGV[2], ARGV[3])
end
return n
