#!/usr/bin/env bash
# Batch-1 kernel sweep (issue 4): dense vs low-rank vs compressed (int8 code tiles; float32 codes alongside) for the
# three Llama shapes, gamma 0.2..0.5, one and two threads. One JSON object per line on stdout.
# usage: scripts/bench-kernels.sh [batch] > kernels.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
batch="${1:-1}"
for shape in 4096x4096 4096x14336 14336x4096; do
  rows="${shape%x*}"; cols="${shape#*x}"
  for g in 0.2 0.3 0.4 0.5; do
    for t in 1 2; do
      COSPADI_JAVA_OPTS="${COSPADI_JAVA_OPTS:--Xmx6g}" ./cospadi bench-kernel --rows "$rows" --cols "$cols" --ratio "$g" \
        --batch "$batch" --threads "$t" --json 2>/dev/null
    done
  done
done
