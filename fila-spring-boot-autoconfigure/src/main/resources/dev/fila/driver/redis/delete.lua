-- ARGV: base, limit. Deletes the queue and its messages, about limit messages per call; the driver
-- calls it until it is complete, so a large queue never blocks Redis for long.
-- Returns { 1 when the queue existed at this call else 0, 1 when nothing is left else 0 }.
--
-- The first call removes the queue's meta hash: from then on every other script answers NOQUEUE,
-- so nothing new arrives (unless an application instance re-creates the queue, which a delete of a
-- queue still in use does today too: the rest of this delete then removes what it put there).
-- Later calls take what is left, each from where the previous stopped: pending messages key by key
-- from the head of the ring, then leased and delayed messages, then the queue's own keys. A delete
-- that stopped half-way is finished by the next delete of the queue.
local B, limit = ARGV[1], tonumber(ARGV[2])
local existed = redis.call('EXISTS', B .. 'meta')
-- Without meta the levels in use are unknown: a delete walks all of them (an empty ring costs one call).
redis.call('DEL', B .. 'meta')
local work = 0

local function delete_messages(ids)
  for _, id in ipairs(ids) do
    redis.call('DEL', B .. 'm:' .. id)
  end
  work = work + #ids
end

for level = 0, 9 do
  while work < limit do
    local key = redis.call('LINDEX', ring_of(B, level), 0)
    if not key then break end
    local ids = redis.call('LPOP', list_of(B, level, key), limit - work)
    if ids then
      delete_messages(ids)
    end
    if redis.call('LLEN', list_of(B, level, key)) == 0 then
      redis.call('LPOP', ring_of(B, level))
      work = work + 1
    end
  end
end
for _, z in ipairs({ 'leases', 'delayed' }) do
  while work < limit do
    local popped = redis.call('ZPOPMIN', B .. z, limit - work)
    if #popped == 0 then break end
    local ids = {}
    for i = 1, #popped, 2 do
      ids[#ids + 1] = popped[i]
    end
    delete_messages(ids)
  end
end
if work >= limit then
  return { existed, 0 }
end
-- Only bookkeeping is left: per-key hashes and sets (a field per key, not per message). UNLINK
-- frees large ones in the background.
redis.call('UNLINK', B .. 'c', B .. 'seq', B .. 'ring', B .. 'ringset', B .. 'w', B .. 'drr', B .. 'turn',
  B .. 'kin', B .. 'kdl', B .. 'leases', B .. 'lt', B .. 'hw', B .. 'delayed', B .. 'purge', B .. 'purging', B .. 'kp', B .. 'wo', B .. 'kl',
  B .. 'ag')
for level = 1, 9 do
  redis.call('UNLINK', ring_of(B, level), set_of(B, level), drr_of(B, level))
end
return { existed, 1 }
