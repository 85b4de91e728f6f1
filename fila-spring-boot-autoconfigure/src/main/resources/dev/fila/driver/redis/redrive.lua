-- ARGV: dlq base, source base, count, notify channel, source name, dlq name
-- Moves up to count messages back to the source queue as new deliveries, without fila-* headers.
-- Returns { moved, ids skipped because their message hash was gone, 1 when the dead-letter queue
-- has nothing left else 0 }. count also bounds the work (emptied keys and skipped ids count too):
-- the driver calls this in chunks of a few hundred, so a large dead-letter queue never blocks Redis.
local DB, SB, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
if not require_queue(DB) then
  return redis.error_reply('NOQUEUE ' .. ARGV[6])
end
if not require_queue(SB) then
  return redis.error_reply('NOQUEUE ' .. ARGV[5])
end
local moved, missing, work = 0, 0, 0
-- Always at the head of the ring: a key emptied here leaves it (as a fetch would drop it), so the
-- next chunk does not walk over it again.
-- Higher priority levels first, as a fetch would serve them.
local done = 0
local top = top_level(DB)
local now, ag = now_ms(), aging_of(SB)
-- With priority aging on the dead-letter queue, its pending ids are also in DB..'ag' (see common.lua).
local dlq_aging = aging_of(DB) > 0
while work < count do
  work = work + 1
  local key, level = nil, top
  while level >= 0 do
    key = redis.call('LINDEX', ring_of(DB, level), 0)
    if key then break end
    level = level - 1
  end
  if not key then
    done = 1
    break
  end
  local id = redis.call('LPOP', list_of(DB, level, key))
  if not id then
    drop_ring_key(DB, key, level, top)
  else
    redis.call('HINCRBY', DB .. 'c', 'pending', '-1')
    if dlq_aging then
      redis.call('ZREM', DB .. 'ag', id)
    end
    local M = DB .. 'm:' .. id
    local f = redis.call('HMGET', M, 'k', 'w', 't', 'h', 'p', 'e', 'r')
    if not f[1] then
      missing = missing + 1 -- its hash is gone: nothing to move (see common.lua)
    else
      local headers = json_table(f[4])
      headers['fila-attempts'] = nil
      headers['fila-error'] = nil
      headers['fila-source-queue'] = nil
      redis.call('DEL', M)
      redis.call('HSET', SB .. 'm:' .. id, 'k', f[1], 'w', f[2], 't', f[3], 'h', cjson.encode(headers), 'p', f[5],
        'e', f[6])
      if f[7] then
        redis.call('HSET', SB .. 'm:' .. id, 'r', f[7])
      end
      push_pending(SB, f[1], f[2], id, false, place(SB, id, f[7], f[6], now, ag))
      moved = moved + 1
    end
  end
end
count_missing(DB, missing)
if moved > 0 then
  notify(ARGV[4], ARGV[5])
end
return { moved, missing, done }
