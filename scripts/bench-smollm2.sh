#!/usr/bin/env bash
# SmolLM2-135M-Instruct end to end (docs/benchmarks.md §8): compress all 210 projections with each method at each γ,
# from calibration Grams captured once (CAL windows of 256 tokens before 2000), then held-out perplexity of the dense model and of each reconstruction (model.gguf, exact) on the first N windows
# of 256 tokens of the addresses from 2000 on. Results: one JSON line per run in OUT/results.jsonl.
# usage: scripts/bench-smollm2.sh [OUT_DIR] ; env: RATIOS="0.2 0.3 0.4" METHODS="svd-llm cospadi" WINDOWS=64 CAL=128 EXTRA="..."
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$("$root/scripts/fetch-model.sh" | tail -1)"
out="${1:-$root/out/smollm2}"
mkdir -p "$out"
ratios="${RATIOS:-0.2 0.3 0.4}"
methods="${METHODS:-svd-llm cospadi}"
windows="${WINDOWS:-64}"
cal="${CAL:-128}"
results="$out/results.jsonl"
grams="$out/grams-$cal.safetensors"
if [ ! -f "$grams" ]; then
  "$root/cospadi" capture-grams --model "$model" --calibration-windows "$cal" --out "$grams" 2> "$out/capture.log"
fi
if [ ! -f "$out/dense.json" ]; then
  "$root/cospadi" perplexity --model "$model" --windows "$windows" --json | tee "$out/dense.json"
fi
for method in $methods; do
  for ratio in $ratios; do
    dir="$out/$method-$ratio"
    if [ ! -f "$dir/model.gguf" ]; then
      start=$(date +%s)
      "$root/cospadi" compress --model "$model" --grams "$grams" --ratio "$ratio" --method "$method" \
          ${EXTRA:-} --overwrite --out "$dir" 2> "$dir.log" | tee "$dir.summary"
      echo "$(( $(date +%s) - start ))" > "$dir.seconds"
    fi
    "$root/cospadi" perplexity --model "$dir/model.gguf" --windows "$windows" --json | tee -a "$results"
  done
done
