#!/usr/bin/env python3
"""Turns `cospadi bench-kernel --json` lines (stdin) into an SVG of time per call against the ratio γ for the dense,
low-rank and compressed layers (int8 code tiles, and float32 codes when present), one panel per shape, one row of
panels per thread count. No third-party packages.

usage: scripts/bench-kernels.sh 1 | scripts/plot-kernels.py > docs/kernel-time-vs-gamma.svg
"""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.strip().startswith("{")]
shapes = sorted({(r["rows"], r["cols"]) for r in rows})
threads = sorted({r.get("threads", 1) for r in rows})
series = [("dense_seconds", "dense", "#444444"), ("lowrank_seconds", "low-rank (SVD-LLM)", "#d62728"),
          ("compressed_seconds", "CoSpaDi (int8 codes)", "#1f77b4")]
if all("compressed_float32_seconds" in r for r in rows):
    series.append(("compressed_float32_seconds", "CoSpaDi (float32 codes)", "#9ecae1"))
W, H, PAD = 360, 240, 60
ROW = H + 2 * PAD
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(shapes) * (W + PAD) + PAD}" height="{len(threads) * ROW + 30}" '
       'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>']
for q, th in enumerate(threads):
  for p, shape in enumerate(shapes):
    pts = sorted((r for r in rows if (r["rows"], r["cols"]) == shape and r.get("threads", 1) == th), key=lambda r: r["ratio"])
    if not pts:
        continue
    x0, y0 = PAD + p * (W + PAD), PAD + q * ROW
    hi = max(r[k] for r in pts for k, _, _ in series) * 1e6 * 1.1
    gx = lambda g: x0 + 20 + (g - 0.2) / 0.3 * (W - 40)
    gy = lambda us: y0 + H - us / hi * H
    out.append(f'<text x="{x0}" y="{y0 - 15}" font-weight="bold">{shape[0]}×{shape[1]} (out×in), batch 1, {th} thread{"s" if th > 1 else ""}, µs</text>')
    out.append(f'<rect x="{x0}" y="{y0}" width="{W}" height="{H}" fill="none" stroke="#888"/>')
    for t in range(5):
        v = hi * t / 4
        out.append(f'<text x="{x0 - 4}" y="{gy(v) + 4:.1f}" text-anchor="end" fill="#555">{v:.0f}</text>')
    for r in pts:
        out.append(f'<text x="{gx(r["ratio"]):.1f}" y="{y0 + H + 16}" text-anchor="middle" fill="#555">{r["ratio"]:.1f}</text>')
    target = " ".join(f'{gx(r["ratio"]):.1f},{gy(1.1 * (1 - r["ratio"]) * r["dense_seconds"] * 1e6):.1f}' for r in pts)
    out.append(f'<polyline points="{target}" fill="none" stroke="#1f77b4" stroke-dasharray="4 3"/>')
    for key, name, color in series:
        line = " ".join(f'{gx(r["ratio"]):.1f},{gy(r[key] * 1e6):.1f}' for r in pts)
        out.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
    out.append(f'<text x="{x0 + W / 2}" y="{y0 + H + 34}" text-anchor="middle">compression ratio γ</text>')
lx = PAD
for key, name, color in series + [("", "target 1.1·(1−γ)·dense", "#1f77b4")]:
    dash = ' stroke-dasharray="4 3"' if key == "" else ""
    out.append(f'<line x1="{lx}" y1="{len(threads) * ROW + 12}" x2="{lx + 20}" y2="{len(threads) * ROW + 12}" stroke="{color}" stroke-width="2"{dash}/>'
               f'<text x="{lx + 26}" y="{len(threads) * ROW + 16}">{name}</text>')
    lx += 190
out.append("</svg>")
print("\n".join(out))
