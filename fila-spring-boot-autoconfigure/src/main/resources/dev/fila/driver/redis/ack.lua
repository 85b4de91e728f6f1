-- ARGV: base, notify channel ('' when the queue has no in-flight limit: nobody waits for a slot), queue
-- name, then id and lease token of each message to ack (one queue, one or many messages). Returns a string with one character per message, in order: '1' acked, '0' the
-- lease was lost.
local B = ARGV[1]
local results = {}
local ids = {}
local hashes = {}
local settled = {}
local seen = {}
for i = 4, #ARGV - 1, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local M = B .. 'm:' .. id
  local m = redis.call('HMGET', M, 'l', 'k')
  if m[1] ~= token or token == '' or seen[id] then
    results[#results + 1] = '0'
  else
    results[#results + 1] = '1'
    ids[#ids + 1] = id
    hashes[#hashes + 1] = M
    seen[id] = true -- the same message twice in one batch settles once
    settled[m[2]] = (settled[m[2]] or 0) + 1
  end
end
if #ids > 0 then
  -- In slices: unpack has a limit on how many values it can spread.
  for first = 1, #ids, 1000 do
    local last = math.min(first + 999, #ids)
    redis.call('ZREM', B .. 'leases', unpack(ids, first, last))
    redis.call('DEL', unpack(hashes, first, last))
  end
  -- Once per fairness key and batch, not per message; the queue's top level is read at most once.
  local top = nil
  for key, count in pairs(settled) do
    local in_flight = redis.call('HINCRBY', B .. 'kin', key, int_s(-count))
    if in_flight <= 0 then
      top = forget_key_if_idle(B, key, in_flight, top)
    end
  end
end
if #ids > 0 and ARGV[2] ~= '' then
  notify(ARGV[2], ARGV[3])
end
return table.concat(results)
