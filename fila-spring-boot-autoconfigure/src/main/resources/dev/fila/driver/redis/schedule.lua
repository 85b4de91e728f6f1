-- The scheduler and the hand-off registrations, shared by fetch.lua and enqueue.lua (loaded after
-- common.lua): deficit round robin over fairness keys, priority levels, throttles, in-flight limits
-- and pauses, then the leases.

-- A hand-off registration in B..'hw' (see fetch.lua): field the instance's channel, value
-- '<max>:<expires at ms>:<throttle prefix>'. Written by fetch.lua, read by enqueue.lua and fetch.lua.
local function registration(max, expires, TP)
  return max .. ':' .. int_s(expires) .. ':' .. TP
end

-- Returns max, expires (ms) and the throttle prefix of a registration, or nil when it is not one.
local function read_registration(value)
  local max, expires, TP = string.match(value, '^(%d+):(%d+):(.*)$')
  if not max then
    return nil
  end
  return tonumber(max), tonumber(expires), TP
end

-- The fields of B..'meta' the scheduler reads, in the order lease_next expects them.
local function scheduling_meta(B)
  return redis.call('HMGET', B .. 'meta', 'vis', 'quantum', 'paused', 'pk', 'wo', 'kmf', 'qmf', 'kl', 'pr', 'ag')
end

-- Leases up to max pending messages of queue B at time now (ms), with meta from scheduling_meta.
-- TP is the throttle bucket key prefix; permits is nil (buckets are read and charged here) or, on Redis
-- Cluster, the permits the driver took for this fetch by throttle key (-1: no bucket, no limit).
-- Returns out, throttle_wait, missing, wanted: out is a list of { id, key, weight, throttles, headers,
-- payload, enqueued at, attempts, lease token, priority }; throttle_wait the ms until a throttle that
-- held a message back refills, or -1; missing how many ids were dropped because their message hash was
-- gone (see pop_message); wanted (permits mode) the permits spent by throttle key, for every key asked.
-- max_bytes, when not nil, also stops it after the message whose payload and headers bring what it
-- leased to that many bytes (the hand-off's budget: one PUBLISH).
local function lease_next(B, max, TP, meta, now, permits, max_bytes)
  local wanted = {}

  -- Permits mode: spends one permit of every throttle key of a message, only if all have one.
  -- Returns 0 when spent, else 1 (the driver knows when its buckets refill, not this script).
  local function try_spend(throttles)
    local keys = json_table(throttles)
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

  local vis, quantum = tonumber(meta[1]), tonumber(meta[2])
  -- An operator's flow control (see flow.lua): a paused queue hands out nothing; paused keys stay in
  -- the ring and are passed over like throttled ones; weight overrides win over the hooks' weights.
  local queue_paused, paused_keys, overrides = meta[3] == '1', tonumber(meta[4] or '0'), tonumber(meta[5] or '0')
  -- In-flight limits: a key at its limit is passed over like a paused one; the queue's limit caps the fetch.
  local key_max, queue_max, key_limits = tonumber(meta[6] or '0'), tonumber(meta[7] or '0'), tonumber(meta[8] or '0')
  -- Priority levels (see common.lua): with pr unset every message is at level 0.
  local has_levels, ag = meta[9] == '1', tonumber(meta[10] or '0')

  local out = {}
  local leased_bytes = 0
  local function full()
    return #out >= max or (max_bytes ~= nil and leased_bytes >= max_bytes)
  end
  local throttle_wait = -1

  -- Bookkeeping shared by every message of this fetch is written once at the end: lease deadlines
  -- (B..'leases') and lease entries (B..'lt').
  local lease_args = {}
  local lease_entries = {}
  local next_token = nil

  -- Message ids whose hash is gone (evicted by a maxmemory policy other than noeviction, or deleted
  -- by hand) are dropped from their key and counted, never an error: an error here would leave the
  -- messages already taken by this fetch without a lease deadline, never to be redelivered.
  -- apply_deadlines counts the expired leases and due retries among them.
  local missing = apply_deadlines(B, now)

  -- Priority aging: messages whose time to move up a level has come move to the tail of their key's list
  -- at the level they are served at now. An id that is no longer pending at the level it was placed
  -- at (leased, delayed, purged, gone) only leaves B..'ag'.
  if ag > 0 then
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', B .. 'ag', '-inf', now, 'LIMIT', 0, 200)) do
      local m = redis.call('HMGET', B .. 'm:' .. id, 'k', 'w', 'r', 'e', 'v', 'l')
      local moved = false
      if m[1] and (m[6] or '') == '' and redis.call('HEXISTS', B .. 'lt', id) == 0 then
        local priority, enqueued = tonumber(m[3] or '0'), tonumber(m[4]) or now
        local from = tonumber(m[5] or m[3] or '0')
        local to = math.min(9, priority + math.floor(math.max(0, now - enqueued) / ag))
        if to <= from then
          redis.call('ZADD', B .. 'ag', enqueued + (from - priority + 1) * ag, id)
          moved = true
        elseif redis.call('LREM', list_of(B, from, m[1]), 1, id) == 1 then
          redis.call('RPUSH', list_of(B, to, m[1]), id)
          activate_key(B, m[1], m[2], to)
          redis.call('HSET', B .. 'm:' .. id, 'v', to)
          has_levels = true
          redis.call('HSETNX', B .. 'meta', 'pr', '1')
          if to < 9 then
            redis.call('ZADD', B .. 'ag', enqueued + (to - priority + 1) * ag, id)
            moved = true
          end
        end
      end
      if not moved then
        redis.call('ZREM', B .. 'ag', id)
      end
    end
  end
  if queue_max > 0 then
    local room = queue_max - redis.call('ZCARD', B .. 'leases')
    if room < max then max = room end
  end
  local popped_missing = 0

  -- The level being served and its ring and deficits (see common.lua): fetch serves level 9 first,
  -- each level until none of its keys can serve, then the next one down.
  local level, RING, DRR = 0, B .. 'ring', B .. 'drr'

  -- Names used per message, built once: each concatenation makes Lua hash and intern a new string.
  local KIN, WEIGHTS = B .. 'kin', B .. 'w'

  -- Pops the next id of a key at the current level whose message hash still exists, with its HMGET of
  -- k, w, t, h, p, e, a, r; nil when the key ran out there.
  local function pop_message(key)
    while true do
      local id = redis.call('LPOP', list_of(B, level, key))
      if not id then
        return nil
      end
      local m = redis.call('HMGET', B .. 'm:' .. id, 'k', 'w', 't', 'h', 'p', 'e', 'a', 'r')
      if m[1] then
        return id, m
      end
      popped_missing = popped_missing + 1
    end
  end

  -- Every lease of this fetch ends at the same time, rounded up to the millisecond (see int_s).
  local deadline = nil

  -- Leases a message already popped from its key.
  local function lease(id, key, m)
    if not next_token then
      next_token = redis.call('INCRBY', B .. 'seq', int_s(max)) - max + 1
      deadline = int_s(math.ceil(now + vis))
    end
    local token = int_s(next_token)
    next_token = next_token + 1
    -- Field a counts the attempts that ended without an ack: this one is written only if it does.
    local attempts = tonumber(m[7] or '0') + 1
    lease_args[#lease_args + 1] = deadline
    lease_args[#lease_args + 1] = id
    lease_entries[#lease_entries + 1] = id
    lease_entries[#lease_entries + 1] = token .. ':' .. key
    -- In flight at once: a key that runs dry later in this fetch must not look idle.
    redis.call('HINCRBY', KIN, key, '1')
    if ag > 0 then
      redis.call('ZREM', B .. 'ag', id)
    end
    return { id, m[1], m[2], m[3], m[4], m[5], m[6], attempts, token, tonumber(m[8] or '0') }
  end

  -- Deficits are written with 17 significant digits so that they read back as the very number
  -- written: tostring keeps 14, and with weights like 0.1 the order would drift from Java's.
  local function num(x)
    return string.format('%.17g', x)
  end

  -- Deficit round robin, exactly as dev.fila.scheduling.DeficitRoundRobin: each selection offers
  -- every key in the ring at most once. A key's deficit is stored in B..'drr' as a number, with
  -- a 't' in front while its turn runs (the turn got its quantum and continues at the next
  -- selection); written only when it changes, so a key served once per turn writes nothing.
  -- When a whole round serves nothing because every key is short of one credit (quantum * weight
  -- < 1), the selection skips the rounds that would serve nothing at once (see skip_empty_rounds)
  -- and plays the round in which the first key reaches a credit: any positive weight delivers now,
  -- not one round per fetch. Keys it found blocked (throttled) are not offered again, so at most
  -- one round per blocked key follows; the bound on rounds only matters for absurdly small weights.
  -- The ring only shrinks in this loop (nothing is activated), so its length is kept here.
  local ring_len = 0

  -- Whether a key has as many messages leased as its limit allows (lease() counts them in B..'kin').
  local function at_limit(key)
    local limit = key_max
    if key_limits > 0 then
      limit = tonumber(redis.call('HGET', B .. 'kl', key) or key_max)
    end
    return limit > 0 and tonumber(redis.call('HGET', KIN, key) or '0') >= limit
  end

  local function weight_of(key)
    if overrides > 0 then
      local o = redis.call('HGET', B .. 'wo', key)
      if o then return tonumber(o) end
    end
    return tonumber(redis.call('HGET', WEIGHTS, key) or '1')
  end

  -- Keys found with nothing pending, per level (and the levels, in order): each leaves its ring at
  -- once (RPOP: fetch has just moved it to the tail), its ring set and credits with the others at the
  -- end of the fetch, where the ones with nothing in flight or delayed are forgotten together (see
  -- drop_emptied_keys). Nothing in the loop looks at a ring set, and a key only joins a ring before it.
  local emptied, emptied_levels = {}, {}

  local function drop_key(key)
    redis.call('RPOP', RING)
    local keys = emptied[level]
    if not keys then
      keys = {}
      emptied[level] = keys
      emptied_levels[#emptied_levels + 1] = level
    end
    keys[#keys + 1] = key
  end

  local function drop_emptied_keys()
    for _, l in ipairs(emptied_levels) do
      local keys = emptied[l]
      -- In slices: unpack has a limit on how many values it can spread.
      for first = 1, #keys, 1000 do
        local slice = { unpack(keys, first, math.min(first + 999, #keys)) }
        redis.call('SREM', set_of(B, l), unpack(slice))
        redis.call('HDEL', drr_of(B, l), unpack(slice))
        local in_flight = redis.call('HMGET', KIN, unpack(slice))
        local idle = {}
        for i, key in ipairs(slice) do
          if (tonumber(in_flight[i]) or 0) <= 0 then idle[#idle + 1] = key end
        end
        if #idle > 0 then
          forget_keys_if_idle(B, idle)
        end
      end
    end
  end

  -- Keys a selection found blocked (throttled), by the number of that selection: not offered again
  -- in it, as DeficitRoundRobin's blockedInCall (one table for the whole fetch, nothing to clear).
  local blocked = {}
  local selection = 0

  -- Keys of the level being served that waited at their in-flight limit in their turn, in the order
  -- they were found (also as a set): serve_level puts them back at the head of the ring.
  local suspended = {}

  -- Plays one round: offers every key once, as DeficitRoundRobin.next's inner loop. Returns
  -- whether a message was taken, and the keys that waited short of one credit. Each offer first
  -- moves the key from the head of the ring to its tail, where most offers leave it (one call
  -- instead of a look and a move); a key whose turn goes on moves back to the head.
  local function round()
    local waiting = {}
    local offers = ring_len
    while offers > 0 do
      offers = offers - 1
      local key = redis.call('LMOVE', RING, RING, 'LEFT', 'RIGHT')
      if blocked[key] == selection then
        -- already rotated
      elseif paused_keys > 0 and redis.call('SISMEMBER', B .. 'kp', key) == 1 then
        -- Paused: keeps its messages and credits; not offered again in this selection.
        blocked[key] = selection
      else
        -- Most offers find a credit, so the key's next message is taken before its credits are read
        -- (and put back when there is none): a key found empty costs two calls. Not with in-flight
        -- limits, which hold a message back before it is taken.
        local head, m, dropped = nil, nil, false
        local popped = key_max == 0 and key_limits == 0
        if popped then
          head, m = pop_message(key)
          dropped = not head
        end
        local took, held = false, false
        local state, in_turn, stored, deficit, per_round = nil, false, 0, 0, 0
        if not dropped then
          state = redis.call('HGET', DRR, key)
          in_turn = state and string.sub(state, 1, 1) == 't'
          stored = tonumber(in_turn and string.sub(state, 2) or state or '0')
          deficit = stored
          if not in_turn then
            per_round = quantum * weight_of(key)
            deficit = deficit + per_round
          end
        end
        if dropped then
          -- Taken out of the ring below.
        elseif deficit >= 1 and not popped and at_limit(key) then
          -- At its in-flight limit with a credit to spend: its turn waits, back at the head of the
          -- ring at the end of this fetch, as DeficitRoundRobin.suspend does (a key that hit its
          -- limit mid-turn would otherwise get a turn per two rounds and half its share).
          if deficit ~= stored or not in_turn then
            redis.call('HSET', DRR, key, 't' .. num(deficit))
          end
          if not suspended[key] then
            suspended[key] = true
            suspended[#suspended + 1] = key
          end
          blocked[key] = selection
          held = true
        elseif deficit >= 1 then
          if not popped then
            head, m = pop_message(key)
            dropped = not head
          end
          if head then
            local wait = 0
            if m[3] and m[3] ~= '' then
              if permits then
                wait = try_spend(m[3])
              else
                wait = try_acquire(TP, m[3], now)
              end
            end
            if wait > 0 then
              redis.call('LPUSH', list_of(B, level, key), head)
              if throttle_wait < 0 or wait < throttle_wait then throttle_wait = wait end
              deficit = 0 -- a blocked key does not bank credits
              blocked[key] = selection
            else
              deficit = deficit - 1
              out[#out + 1] = lease(head, key, m)
              leased_bytes = leased_bytes + #(m[4] or '') + #(m[5] or '')
              took = true
            end
          end
        elseif popped then
          -- Short of a credit: its message goes back to the head of its list.
          redis.call('LPUSH', list_of(B, level, key), head)
          waiting[#waiting + 1] = { key, deficit, per_round }
        elseif redis.call('LLEN', list_of(B, level, key)) == 0 then
          dropped = true
        else
          waiting[#waiting + 1] = { key, deficit, per_round }
        end
        if dropped then
          drop_key(key)
          ring_len = ring_len - 1
        elseif not held then
          local turn_ends = not took or deficit < 1
          if turn_ends then
            if deficit ~= stored or in_turn then
              redis.call('HSET', DRR, key, num(deficit))
            end
          else
            -- Its turn goes on: back to the head, to be offered first in the next selection.
            redis.call('LMOVE', RING, RING, 'RIGHT', 'LEFT')
            if deficit ~= stored or not in_turn then
              redis.call('HSET', DRR, key, 't' .. num(deficit))
            end
          end
          if took then
            return true, waiting
          end
        end
      end
    end
    return false, waiting
  end

  -- After a round that served nothing: credits every key that waited in it with the rounds before
  -- the one in which the first of them reaches a credit, all at once (the same arithmetic as
  -- DeficitRoundRobin.skipEmptyRounds, so the order matches to the bit). Returns false when no key
  -- waited: nothing can be served in this selection.
  local function skip_empty_rounds(waiting)
    local rounds = nil
    for _, w in ipairs(waiting) do
      if w[3] > 0 then
        local r = math.ceil((1 - w[2]) / w[3])
        if not rounds or r < rounds then rounds = r end
      end
    end
    if not rounds then
      return false
    end
    -- The coming round itself credits every key once more: skip one round less.
    for _, w in ipairs(waiting) do
      redis.call('HSET', DRR, w[1], num(w[2] + (rounds - 1) * w[3]))
    end
    return true
  end

  -- Serves one level as long as one of its keys can serve; then keys that waited at their limit in
  -- their turn go back to the head of the ring, in the order they were found, to go on first.
  local function serve_level()
    suspended = {}
    while not full() and ring_len > 0 do
      selection = selection + 1
      local rounds_left = 2 * ring_len + 3
      local served = false
      while rounds_left > 0 and ring_len > 0 do
        rounds_left = rounds_left - 1
        local took, waiting = round()
        if took then
          served = true
          break
        end
        if not skip_empty_rounds(waiting) then
          break
        end
      end
      if not served then break end
    end
    for i = #suspended, 1, -1 do
      if redis.call('LREM', RING, -1, suspended[i]) == 1 then
        redis.call('LPUSH', RING, suspended[i])
      end
    end
  end

  if not queue_paused then
    local top = 0
    if has_levels then top = 9 end
    for l = top, 0, -1 do
      if full() then break end
      level, RING, DRR = l, ring_of(B, l), drr_of(B, l)
      ring_len = redis.call('LLEN', RING)
      if ring_len > 0 then
        serve_level()
      end
    end
    drop_emptied_keys()
  end

  if #out > 0 then
    -- In slices: unpack has a limit on how many values it can spread (prefetch goes up to 10,000).
    for first = 1, #lease_args, 2000 do
      redis.call('ZADD', B .. 'leases', unpack(lease_args, first, math.min(first + 1999, #lease_args)))
      redis.call('HSET', B .. 'lt', unpack(lease_entries, first, math.min(first + 1999, #lease_entries)))
    end
    redis.call('HINCRBY', B .. 'c', 'pending', int_s(-#out))
  end
  if popped_missing > 0 then
    -- Ids popped from key lists were counted as pending (apply_deadlines counted its own).
    redis.call('HINCRBY', B .. 'c', 'pending', -popped_missing)
    count_missing(B, popped_missing)
  end

  return out, throttle_wait, missing + popped_missing, wanted
end
