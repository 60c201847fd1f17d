#!/usr/bin/env python3
"""Checks cospadi's GGUF reader against gguf-py, bit for bit.

usage: scripts/check-gguf.py GGUF_FILE
       scripts/check-gguf.py --random OUT.gguf   (first writes a GGUF of random blocks of every type cospadi reads)

Runs `./cospadi gguf-dump` (the launcher at the repository root) on GGUF_FILE into a temporary safetensors file,
then compares every tensor with `gguf.quants.dequantize` of the same tensor read by gguf-py's GGUFReader: the shape
must be the GGUF dims reversed and the float32 values equal as uint32 bit patterns. Prints one line per mismatching
tensor and a final "N tensors, M mismatches" line; exits 1 on any mismatch.

Needs: pip install gguf numpy
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import gguf
    from gguf.quants import dequantize
except ImportError as e:
    sys.exit(f"check-gguf: {e.name} is missing: pip install gguf numpy")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_safetensors(path):
    """name -> (shape, float32 array) of an F32 safetensors file, parsed by hand (8-byte length, JSON, data)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    n = int(data[:8].view("<u8")[0])
    header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    start = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"check-gguf: tensor '{name}' of the dump is {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        out[name] = (list(info["shape"]), data[start + begin:start + end].view("<f4"))
    return out


def write_random(path, seed=0):
    """A GGUF file with two rows of random blocks of every type cospadi dequantizes that gguf-py also dequantizes,
    written with gguf-py's GGUFWriter (raw bytes). Half-precision scales are drawn finite so no NaN arithmetic is
    compared (NaN payloads are not part of the contract)."""
    rng = np.random.default_rng(seed)
    q = gguf.GGMLQuantizationType
    w = gguf.GGUFWriter(path, arch="llama")
    w.add_uint32("cospadi.check.seed", seed)
    for t in (q.F32, q.F16, q.BF16, q.Q8_0, q.Q4_0, q.Q4_1, q.Q5_0, q.Q5_1, q.Q4_K, q.Q5_K, q.Q6_K):
        _, size = gguf.GGML_QUANT_SIZES[t]
        rows, blocks = 3, 64
        if t in (q.F32, q.F16, q.BF16):
            values = rng.standard_normal((rows, blocks * 32)).astype(np.float32) * np.float32(3)
            raw = values if t == q.F32 else (values.astype(np.float16) if t == q.F16 else gguf.quants.quantize(values, t))
            w.add_tensor(f"random.{t.name}", raw, raw_dtype=t)
            continue
        raw = rng.integers(0, 256, size=(rows, blocks * size), dtype=np.uint8)
        # every f16 field of these layouts: overwrite with finite halves of moderate size
        halves = {q.Q8_0: [0], q.Q4_0: [0], q.Q4_1: [0, 2], q.Q5_0: [0], q.Q5_1: [0, 2],
                  q.Q4_K: [0, 2], q.Q5_K: [0, 2], q.Q6_K: [size - 2]}[t]
        blocks_view = raw.reshape(rows, blocks, size)
        for at in halves:
            h = (rng.standard_normal((rows, blocks)) * 0.1).astype(np.float16)
            blocks_view[:, :, at:at + 2] = h.view(np.uint8).reshape(rows, blocks, 2)
        w.add_tensor(f"random.{t.name}", raw, raw_dtype=t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main(argv):
    if len(argv) == 3 and argv[1] == "--random":
        write_random(argv[2])
        argv = [argv[0], argv[2]]
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    model = os.path.abspath(argv[1])
    reader = gguf.GGUFReader(model)
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "dump.safetensors")
        subprocess.run([os.path.join(ROOT, "cospadi"), "gguf-dump", "--model", model, "--out", dump], check=True,
                       stdout=sys.stderr)
        ours = read_safetensors(dump)
        bad = 0
        for t in reader.tensors:
            name = t.name
            if name not in ours:
                print(f"{name}: missing from the gguf-dump output")
                bad += 1
                continue
            shape, got = ours.pop(name)
            expected_shape = [int(d) for d in reversed(t.shape.tolist())]
            if shape != expected_shape:
                print(f"{name}: shape {shape}, expected {expected_shape} (GGUF dims reversed)")
                bad += 1
                continue
            try:
                want = np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32).reshape(-1)
            except NotImplementedError:
                print(f"{name}: gguf-py cannot dequantize {t.tensor_type.name}; not compared")
                bad += 1
                continue
            a, b = got.view(np.uint32), want.view(np.uint32)
            if a.shape != b.shape:
                print(f"{name}: {a.size} values, gguf-py has {b.size}")
                bad += 1
                continue
            diff = np.flatnonzero(a != b)
            if diff.size:
                i = int(diff[0])
                print(f"{name} ({t.tensor_type.name}): {diff.size} of {a.size} values differ, first at {i}: "
                      f"cospadi {got[i]!r} (0x{int(a[i]):08x}), gguf-py {want[i]!r} (0x{int(b[i]):08x})")
                bad += 1
        for name in ours:
            print(f"{name}: in the gguf-dump output but not in the GGUF file")
            bad += 1
        print(f"{len(reader.tensors)} tensors, {bad} mismatches")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
