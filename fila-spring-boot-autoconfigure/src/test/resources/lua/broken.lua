function on_enqueue(msg)
  return { fairness_key = 
end
