-- ARGV: base, queue name, limit. Removes pending and delayed messages, about limit per call (the
-- driver calls it until it is complete, so a large queue never blocks Redis for long).
-- Returns { messages removed by this call, 1 when the purge is complete else 0, ids skipped
-- because their message hash was already gone }.
--
-- Calls interleave with enqueues and fetches, so a purge works through its own snapshot, kept in
-- B..'purge' (phase, scan cursor, current key, how many of its messages are left) and B..'purging'
-- (keys the scan found, still to do):
--   keys     Level by level (see common.lua), keys come from SSCAN over the level's ring set: a key with a backlog for the whole purge is
--            reached (SSCAN's guarantee); a key that got a backlog during the purge may or may not be.
--            Of each key it removes as many messages from the head as the key held when the purge
--            reached it: later messages are behind them and stay (when a fetch took some of the
--            first ones meanwhile, as many later ones go instead).
--   delayed  As many of the soonest due delayed messages as there were when this phase began.
--   ring     Keys left empty at the head of the ring leave it (a fetch would drop them too), so a
--            quiet queue shows no keys after a purge.
-- Leased messages stay with their consumers. A purge that stopped half-way (its application died)
-- is finished by the next purge of the queue; two purges at once share the work.
local B, limit = ARGV[1], tonumber(ARGV[3])
if not require_queue(B) then
  return redis.error_reply('NOQUEUE ' .. ARGV[2])
end
local P, L = B .. 'purge', B .. 'purging'
local s = redis.call('HMGET', P, 'phase', 'cursor', 'scanned', 'key', 'left', 'dleft', 'lvl')
local phase, cursor, scanned = s[1] or 'keys', s[2] or '0', s[3] == '1'
local key, left, dleft = s[4], tonumber(s[5] or '0'), tonumber(s[6] or '-1')
local level, top = tonumber(s[7] or '0'), top_level(B)
local removed, missing, work = 0, 0, 0
-- With priority aging, pending ids are also in B..'ag' (see common.lua): they leave it with their messages.
local aging = aging_of(B) > 0

-- Deletes message hashes; returns how many existed.
local function delete_messages(ids)
  local existed = 0
  for _, id in ipairs(ids) do
    existed = existed + redis.call('DEL', B .. 'm:' .. id)
  end
  return existed
end

while phase == 'keys' and work < limit do
  if key then
    local n = math.min(left, limit - work)
    local ids = (n > 0) and redis.call('LPOP', list_of(B, level, key), n)
    if ids then
      local existed = delete_messages(ids)
      if aging then
        redis.call('ZREM', B .. 'ag', unpack(ids))
      end
      redis.call('HINCRBY', B .. 'c', 'pending', int_s(-#ids))
      removed = removed + existed
      missing = missing + #ids - existed
      left = left - #ids
      work = work + #ids
    end
    if not ids or #ids < n or left <= 0 then
      forget_key_if_idle(B, key, top)
      key = nil
      work = work + 1
    end
  else
    key = redis.call('LPOP', L)
    if key then
      left = redis.call('LLEN', list_of(B, level, key))
    elseif scanned and level < top then
      level, cursor, scanned = level + 1, '0', false
    elseif scanned then
      phase = 'delayed'
    else
      local found = redis.call('SSCAN', set_of(B, level), cursor, 'COUNT', 100)
      cursor = found[1]
      scanned = cursor == '0'
      for first = 1, #found[2], 1000 do
        redis.call('RPUSH', L, unpack(found[2], first, math.min(first + 999, #found[2])))
      end
      work = work + 1
    end
  end
end

if phase == 'delayed' then
  if dleft < 0 then
    dleft = redis.call('ZCARD', B .. 'delayed')
  end
  while dleft > 0 and work < limit do
    local popped = redis.call('ZPOPMIN', B .. 'delayed', math.min(dleft, limit - work))
    if #popped == 0 then
      dleft = 0
    end
    for i = 1, #popped, 2 do
      local M = B .. 'm:' .. popped[i]
      local k = redis.call('HGET', M, 'k')
      if k then
        redis.call('DEL', M)
        if redis.call('HINCRBY', B .. 'kdl', k, -1) <= 0 then
          forget_key_if_idle(B, k, top)
        end
        removed = removed + 1
      else
        missing = missing + 1
      end
      dleft = dleft - 1
      work = work + 1
    end
  end
  if dleft <= 0 then
    phase = 'ring'
  end
end

while phase == 'ring' and work < limit do
  local dropped = false
  for l = 0, top do
    local head = redis.call('LINDEX', ring_of(B, l), 0)
    if head and redis.call('LLEN', list_of(B, l, head)) == 0 then
      drop_ring_key(B, head, l, top)
      work = work + 1
      dropped = true
      break
    end
  end
  if not dropped then
    phase = 'done'
  end
end

count_missing(B, missing)
if phase == 'done' then
  redis.call('DEL', P, L, B .. 'turn')
  return { removed, 1, missing }
end
redis.call('HSET', P, 'phase', phase, 'cursor', cursor, 'scanned', scanned and '1' or '0', 'left', left, 'dleft', dleft,
  'lvl', level)
if key then
  redis.call('HSET', P, 'key', key)
else
  redis.call('HDEL', P, 'key')
end
return { removed, 0, missing }
