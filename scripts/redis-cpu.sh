#!/usr/bin/env bash
# Redis CPU time (user + system, from /proc) per message for one fixed sequence of Fila driver
# calls (dev.fila.benchmarks.redis.FixedWorkload) against a running Redis on this machine. Unlike
# scripts/redis-instructions.sh it counts real time, cache misses included, so it moves from run
# to run: run each build several times, alternating, and compare medians.
#
#   scripts/redis-cpu.sh <benchmarks target dir> [messages=60000] [keys=10] [fetch=7] [port=6379]
set -euo pipefail
target=${1:?the benchmarks target directory, with fila-benchmarks.jar}
messages=${2:-60000}
keys=${3:-10}
fetch=${4:-7}
port=${5:-6379}
pid=$(redis-cli -p "$port" info server | awk -F: '/^process_id:/ { print $2 }' | tr -d '\r')
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
before=$(ticks)
java -cp "$target/fila-benchmarks.jar" dev.fila.benchmarks.redis.FixedWorkload "$port" "$messages" "$keys" "$fetch" >/dev/null
after=$(ticks)
echo "redis cpu: $(( (after - before) * 1000000 / $(getconf CLK_TCK) / messages )) us per message ($messages messages, $keys keys, fetches of $fetch)"
