-- Reads a JSON task, logs it and publishes a result.
local json = require("json")
local logger = require("logger")
local queue = require("queue")

return function(body, msg)
  local task = json.decode(body)
  if task.fail then
    return nil, "task " .. task.id .. " failed"
  end
  if task.crash then
    error("crashed on " .. task.id)
  end
  logger.info("handled task", { id = task.id, attempts = msg.attempts })
  queue.publish("lua-results", json.encode({ id = task.id, doubled = task.n * 2, tags = { "a", "b" } }),
    { source = msg.queue, tenant = msg.headers.tenant })
  return true
end
