-- ARGV: base, max, throttle prefix, queue name, notify channel (for the acks: '' when the queue has no
-- in-flight limit), a count a of acks, then a pairs of id and lease token of messages to ack first (the
-- acks a consumer sends with its next fetch, settled as ack.lua does before anything is leased), then the
-- hand-off channel of this instance ('' for none: Redis Cluster) and how many ms a registration on it
-- lasts (see below), then (Redis Cluster only) the permits taken for this fetch: a count n followed by n
-- pairs of throttle key and permits (-1: no bucket, no limit).
-- Without that count, throttle buckets are read and charged here (one Redis: same script).
-- With it, buckets live in other hash slots and are never touched; the permits are spent instead.
-- Returns { leased messages, hint, limited, wanted, missing, acked }: each message is { id, key, weight,
-- throttles, headers, payload, enqueued at, attempts, lease token, priority }; hint is the ms until something
-- may become deliverable (a retry due, a lease expiring, a throttle permit), or -1 (only computed when nothing
-- was leased: the driver reads it after an empty fetch only); limited is 1 when
-- a throttle held a message back in this pass, else 0 (counted by the driver for metrics);
-- wanted (permits mode) is a flat list of throttle key, permits spent, for every key asked for;
-- missing is how many ids were dropped because their message hash was gone (see schedule.lua);
-- acked is one character per ack, in order, as ack.lua returns them.
--
-- Hand-off: a fetch that finds nothing pending registers its instance's channel in B..'hw' (field: the
-- channel; value: '<max>:<expires at ms>:<throttle prefix>'). The next enqueue then leases for it at
-- once and publishes the leases on that channel (see enqueue.lua), which saves the waiting consumer the
-- round trip of a fetch after the notification.
local B, max, TP = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local acks = tonumber(ARGV[6])
local H = 7 + 2 * acks
local hand_off_channel, hand_off_ms = ARGV[H], tonumber(ARGV[H + 1]) or 0
local P = H + 2
local permits = nil
if ARGV[P] then
  permits = {}
  for i = 1, tonumber(ARGV[P]) do
    permits[ARGV[P - 1 + 2 * i]] = tonumber(ARGV[P + 2 * i])
  end
end

local meta = scheduling_meta(B)
if not meta[1] then
  return redis.error_reply('NOQUEUE ' .. ARGV[4])
end
-- The acks first: the slots they free are this fetch's to fill, and a key's in-flight count is current.
local ack_results = ''
if acks > 0 then
  local acked
  ack_results, acked = ack_messages(B, 7, 6 + 2 * acks)
  if acked > 0 and ARGV[5] ~= '' then
    notify(ARGV[5], ARGV[4])
  end
end
local now = now_ms()
local out, throttle_wait, missing, wanted = lease_next(B, max, TP, meta, now, permits)

-- Registered only when nothing at all is pending (not when throttles or limits held messages back,
-- which an enqueue could not lease either) and the queue is not paused.
-- A registration ends when the fetch's wait does (the driver passes 0 once nothing of it is left); the
-- instance's fetches share one, which lasts as long as the longest of them.
if #out == 0 and hand_off_channel ~= '' and hand_off_ms > 0 and meta[3] ~= '1'
    and tonumber(redis.call('HGET', B .. 'c', 'pending') or '0') <= 0 then
  local expires = math.floor(now + hand_off_ms)
  local current = redis.call('HGET', B .. 'hw', hand_off_channel)
  if current then
    local _, until_ms = read_registration(current)
    if until_ms and until_ms > expires then expires = until_ms end
  end
  redis.call('HSET', B .. 'hw', hand_off_channel, registration(max, expires, TP))
  -- Only an enqueue uses registrations up; instances that stopped (a new channel per start) leave theirs
  -- until one comes. A queue that gets none for long keeps at most this many of them. Checked only when
  -- this instance's registration is new: a count that grew since, grew by another new one.
  if not current and redis.call('HLEN', B .. 'hw') > 32 then
    local registered = redis.call('HGETALL', B .. 'hw')
    for w = 1, #registered, 2 do
      local _, expires = read_registration(registered[w + 1])
      if not expires or expires <= now then
        redis.call('HDEL', B .. 'hw', registered[w])
      end
    end
  end
end

-- In permits mode the driver knows when the buckets refill; here only delays and leases count.
-- The driver waits on the hint only after a fetch that leased nothing: otherwise it is not read.
local hint = throttle_wait
if permits then hint = -1 end
if #out == 0 then
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
end
if hint >= 0 then hint = math.ceil(hint) end
local limited = 0
if throttle_wait >= 0 then limited = 1 end
local spent = {}
for tk, n in pairs(wanted) do
  spent[#spent + 1] = tk
  spent[#spent + 1] = n
end
return { out, hint, limited, spent, missing, ack_results }
