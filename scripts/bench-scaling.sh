#!/usr/bin/env bash
# Compression time against matrix size and thread count (issue 3, target 4): bench-matrix with the fast schedule at
# gamma = 0.2, 60 iterations, one JSON line per run (plus peak heap in MB from the JVM's own GC log).
# usage: scripts/bench-scaling.sh [extra bench-matrix options]       e.g. --coding-interval 4 for the OMP schedule
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run() { # rows cols threads xmx
  local log json peak
  log="$(mktemp -t gc.XXXXXX)"
  json="$(COSPADI_JAVA_OPTS="-Xmx$4 -Xlog:gc:file=$log" "$root/cospadi" bench-matrix --rows "$1" --cols "$2" --ratio 0.2 \
      --iterations 60 --threads "$3" --fast --json "${@:5}" 2>/dev/null | tr -d '\n')"
  # peak heap: the largest heap occupancy "xxxM->" the GC log reports at the start of a collection
  peak="$(grep -o '[0-9]*M->' "$log" | tr -d 'M>-' | sort -n | tail -1)"
  echo "${json%\}}, \"xmx\": \"$4\", \"peak_heap_mb\": ${peak:-null}}"
  rm -f "$log"
}
run 1024 1024 1 4g "$@"
run 1024 1024 2 4g "$@"
run 2048 8192 1 8g "$@"
run 2048 8192 2 8g "$@"
run 4096 4096 2 8g "$@"
run 4096 14336 2 8g "$@"
