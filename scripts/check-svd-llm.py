#!/usr/bin/env python3
"""Cross-checks cospadi's SVD-LLM baseline against an independent implementation of the official method (numpy,
float64), matrix by matrix. Not a test: a benchmark-time check (docs/benchmarks.md §12.1).

    python3 scripts/check-svd-llm.py WEIGHTS.safetensors GRAMS.safetensors COSPADI_OUT/model.safetensors RATIO [FILTER]

WEIGHTS: the dense projections under Hugging Face names (e.g. `./cospadi gguf-dump`); GRAMS: `./cospadi
capture-grams` output (<name>.input_gram, float64); COSPADI_OUT: `./cospadi compress --method svd-llm --grams GRAMS
--ratio RATIO` output. The reference follows the official SVD-LLM code (AIoT-MLSys-Lab/SVD-LLM): the Cholesky factor
L of the Gram (LLᵀ = XᵀX, lower; on failure the Gram shifted by its most negative eigenvalue plus a small ridge), the
SVD of W·L, the top r = ⌊(1−γ)·d1·d2/(d1+d2)⌋ singular triplets, Ŵ = U_r Σ_r V_rᵀ L⁻¹. Prints per matrix the relative
difference ‖Ŵ_cospadi − Ŵ_ref‖_F/‖Ŵ_ref‖_F and both functional errors ‖X(W − Ŵ)ᵀ‖/‖XWᵀ‖, then the worst and the mean.
The official code uses torch; its PyPI wheel pulls gigabytes of CUDA libraries, so this check uses numpy in float64.
"""
import json, struct, sys
import numpy as np

DT = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def read(path):
    f = open(path, "rb")
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(data[base + a:base + b], dtype=np.uint16).astype(np.uint32) << 16
            arr = raw.view(np.float32)
        else:
            arr = np.frombuffer(data[base + a:base + b], dtype=DT[info["dtype"]])
        out[name] = lambda arr=arr, shape=info["shape"]: arr.reshape(shape).astype(np.float64)
    return out


def reference(w, g, ratio):
    d2, d1 = w.shape
    try:
        l = np.linalg.cholesky(g)
    except np.linalg.LinAlgError:
        lam = np.linalg.eigvalsh(g)[0]
        l = np.linalg.cholesky(g + (-lam + 1e-6 * np.mean(np.diag(g))) * np.eye(d1))
    u, s, vt = np.linalg.svd(w @ l, full_matrices=False)
    r = int(np.floor((1 - ratio) * d1 * d2 / (d1 + d2)))
    return (u[:, :r] * s[:r]) @ np.linalg.solve(l.T, vt[:r].T).T, r


def functional(w, what, g):
    d = w - what
    return np.sqrt(np.einsum("ij,jk,ik->", d, g, d) / np.einsum("ij,jk,ik->", w, g, w))


def main():
    weights, grams, out = read(sys.argv[1]), read(sys.argv[2]), read(sys.argv[3])
    ratio = float(sys.argv[4])
    flt = sys.argv[5] if len(sys.argv) > 5 else ""
    rows = []
    for name in sorted(weights):
        if not name.endswith("_proj.weight") or flt not in name:
            continue
        w, g, c = weights[name](), grams[name[:-len(".weight")] + ".input_gram"](), out[name]()
        ref, r = reference(w, g, ratio)
        diff = np.linalg.norm(c - ref) / np.linalg.norm(ref)
        fe_ref, fe_c = functional(w, ref, g), functional(w, c, g)
        rows.append((name, r, diff, fe_ref, fe_c))
        print(f"{name:44s} r={r:4d} rel.diff {diff:.2e} functional error ref {fe_ref:.6f} cospadi {fe_c:.6f}")
    worst = max(rows, key=lambda t: t[2])
    print(f"{len(rows)} matrices; worst relative difference {worst[2]:.2e} ({worst[0]}); "
          f"mean functional error ref {np.mean([t[3] for t in rows]):.6f} cospadi {np.mean([t[4] for t in rows]):.6f}; "
          f"max |Δ functional error| {max(abs(t[3] - t[4]) for t in rows):.2e}")


if __name__ == "__main__":
    main()
