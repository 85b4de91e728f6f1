#!/usr/bin/env bash
# Counts the CPU instructions a Redis server executes for one fixed sequence of Fila driver calls
# (dev.fila.benchmarks.redis.FixedWorkload), by running a throwaway redis-server on port 6391
# under valgrind's callgrind. An instruction count, unlike a time, is the same from run to run
# whatever else the machine is doing, so two builds of the scripts can be compared exactly.
#
#   scripts/redis-instructions.sh <benchmarks target dir> [messages=5000] [keys=10] [fetch=4]
#
# Prints the instructions per message (counters zeroed just before the workload, dumped just
# after it; hz 1 keeps Redis's own timer work small). With FILA_CALLGRIND_OUT=<file> the dump is
# kept there, for callgrind_annotate.
set -euo pipefail
target=${1:?the benchmarks target directory, with fila-benchmarks.jar}
shift
port=6391
dir=$(mktemp -d)
trap 'redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" redis-server --port $port --save '' \
  --appendonly no --hz 1 --dir "$dir" >"$dir/valgrind.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  redis-cli -p $port ping >/dev/null 2>&1 && break
  sleep 0.2
done
callgrind_control -z $pid >/dev/null
java -cp "$target/fila-benchmarks.jar" dev.fila.benchmarks.redis.FixedWorkload $port "$@"
callgrind_control -d $pid >/dev/null
messages=${1:-5000}
dump=$(ls "$dir"/callgrind.out.* | head -1)
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "instructions: $total in all, $((total / messages)) per message"
if [ -n "${FILA_CALLGRIND_OUT:-}" ]; then
  cp "$dump" "$FILA_CALLGRIND_OUT"
fi
