-- ARGV: base, notify channel ('' when the queue has no in-flight limit: nobody waits for a slot), queue
-- name, then id and lease token of each message to ack (one queue, one or many messages). Returns a string
-- with one character per message, in order: '1' acked, '0' the lease was lost.
local B = ARGV[1]
local results, acked = ack_messages(B, 4, #ARGV)
if acked > 0 and ARGV[2] ~= '' then
  notify(ARGV[2], ARGV[3])
end
return results
