-- on-enqueue hook of the tenant-jobs queue (see application.yml): every job's fairness key is
-- its "type" header (here, the tenant that submitted it), so deficit round robin interleaves
-- the tenants. Fields not returned keep their defaults: weight 1, no throttle keys.
function on_enqueue(msg) return { fairness_key = msg.headers["type"] or "default" } end
