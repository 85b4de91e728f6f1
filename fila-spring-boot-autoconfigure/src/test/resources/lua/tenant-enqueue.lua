-- Fairness per tenant, from the "tenant" header.
function on_enqueue(msg)
  return { fairness_key = msg.headers["tenant"] or "default" }
end
