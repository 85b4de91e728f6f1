#!/usr/bin/env bash
# Starts what the integration tests need, so that `mvn -B verify` passes by itself on a fresh
# machine of this kind: the machine's standalone Redis (6379) and RabbitMQ node
# (rabbit@localhost, 5672) when they are down, and the local clusters of the
# *ClusterIntegrationTests (scripts/clusters.sh) unless FILA_CLUSTERS_SKIP=true. Quick when
# everything is up already. The autoconfigure module's build runs it in pre-integration-test,
# after the unit tests and before the *IntegrationTests (skip with -Dfila.services.skip=true;
# -Dfila.clusters.skip=true sets FILA_CLUSTERS_SKIP and leaves the cluster tests out).
set -euo pipefail
cd "$(dirname "$0")/.."

wait_for() { # name, command, seconds
  local name=$1 check=$2 seconds=$3
  for _ in $(seq 1 "$seconds"); do
    if eval "$check" >/dev/null 2>&1; then echo "$name is up"; return 0; fi
    sleep 1
  done
  echo "$name did not come up within ${seconds}s" >&2
  return 1
}

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis "redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG" 30

if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
  echo "Starting RabbitMQ"
  rabbitmq-server -detached || true
fi
wait_for RabbitMQ "rabbitmq-diagnostics -q check_port_connectivity" 120

# Redis Cluster 127.0.0.1:7001-7006 and RabbitMQ fila-a/b/c@localhost (5681-5683).
if [[ "${FILA_CLUSTERS_SKIP:-false}" == true ]]; then
  echo "Leaving the local clusters alone (fila.clusters.skip)"
else
  bash scripts/clusters.sh start
fi
