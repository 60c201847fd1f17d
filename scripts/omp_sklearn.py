#!/usr/bin/env python3
"""Runs scikit-learn's orthogonal_mp_gram on a problem written by `cospadi bench-omp --write FILE`.

File layout (little-endian): int32 m, k, n, s; then D (m x k) and X (m x n) as float64, row-major.
Prints one JSON object: seconds (OMP loop only, best of --repeat), gram_seconds, relative_residual.
Set OPENBLAS_NUM_THREADS=1 for the single-thread comparison.
"""
import json
import struct
import sys
import time

import numpy as np
from sklearn.linear_model import orthogonal_mp_gram


def main():
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with open(path, "rb") as f:
        m, k, n, s = struct.unpack("<4i", f.read(16))
        d = np.frombuffer(f.read(8 * m * k), dtype="<f8").reshape(m, k)
        x = np.frombuffer(f.read(8 * m * n), dtype="<f8").reshape(m, n)
    t0 = time.perf_counter()
    gram = d.T @ d
    xy = d.T @ x
    gram_seconds = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        codes = orthogonal_mp_gram(gram, xy, n_nonzero_coefs=s)
        best = min(best, time.perf_counter() - t0)
    codes = codes.reshape(k, n)
    res = x - d @ codes
    rel = float(np.mean(np.linalg.norm(res, axis=0) / np.linalg.norm(x, axis=0)))
    print(json.dumps({"seconds": best, "gram_seconds": gram_seconds, "relative_residual": rel,
                      "m": m, "k": k, "n": n, "s": s}))


if __name__ == "__main__":
    main()
