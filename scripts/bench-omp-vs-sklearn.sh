#!/usr/bin/env bash
# Runs cospadi's OMP and scikit-learn's orthogonal_mp_gram (float64, one BLAS thread) on the same random problem
# and prints both times, the speed ratio and both mean relative residuals.
# usage: scripts/bench-omp-vs-sklearn.sh M K N S [THREADS]      e.g. 2048 1024 2048 256  (issue 3, case A)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
m=${1:?M} k=${2:?K} n=${3:?N} s=${4:?S} threads=${5:-1}
py=/usr/bin/python3
if ! $py -c 'import sklearn, numpy' 2>/dev/null; then
  echo "scikit-learn is not installed for $py (apt-get install -y python3-sklearn); skipping the comparison" >&2
  exit 0
fi
problem="$(mktemp -t omp-problem.XXXXXX)"
trap 'rm -f "$problem"' EXIT
java_json="$("$root/cospadi" bench-omp --m "$m" --k "$k" --n "$n" --s "$s" --threads "$threads" --write "$problem" --json 2>/dev/null)"
sk_json="$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $py "$root/scripts/omp_sklearn.py" "$problem" 1)"
$py - "$java_json" "$sk_json" <<'PY'
import json, sys
j, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"problem m={s['m']} k={s['k']} n={s['n']} s={s['s']}, cospadi threads={j['threads']} ({j['simd']})")
print(f"cospadi omp      {j['seconds']:9.3f} s   mean relative residual {j['relative_residual']:.6f}")
print(f"sklearn omp_gram {s['seconds']:9.3f} s   mean relative residual {s['relative_residual']:.6f}   (+{s['gram_seconds']:.3f} s for the Gram products)")
print(f"speed-up         {s['seconds'] / j['seconds']:9.1f}x   (cospadi's time includes its Gram products D'D and D'X;")
print(f"                 {(s['seconds'] + s['gram_seconds']) / j['seconds']:9.1f}x   like for like: scikit-learn's OMP + its Gram products)")
PY
