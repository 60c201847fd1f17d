#!/usr/bin/env python3
"""Turns `cospadi bench-kernel --json` lines (stdin) into an SVG of time per call against the ratio γ for the dense,
low-rank and compressed layers, one panel per shape. No third-party packages.

usage: for g in 0.2 0.3 0.4 0.5; do ./cospadi bench-kernel --rows 4096 --cols 4096 --ratio $g --json; done \
         | scripts/plot-kernels.py > docs/kernel-time-vs-gamma.svg
"""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.strip().startswith("{")]
shapes = sorted({(r["rows"], r["cols"]) for r in rows})
series = [("dense_seconds", "dense", "#444444"), ("lowrank_seconds", "low-rank (SVD-LLM)", "#d62728"),
          ("compressed_seconds", "CoSpaDi", "#1f77b4")]
W, H, PAD = 360, 240, 60
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(shapes) * (W + PAD) + PAD}" height="{H + 2 * PAD + 30}" '
       'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>']
for p, shape in enumerate(shapes):
    pts = sorted((r for r in rows if (r["rows"], r["cols"]) == shape), key=lambda r: r["ratio"])
    x0, y0 = PAD + p * (W + PAD), PAD
    hi = max(r[k] for r in pts for k, _, _ in series) * 1e6 * 1.1
    gx = lambda g: x0 + 20 + (g - 0.2) / 0.3 * (W - 40)
    gy = lambda us: y0 + H - us / hi * H
    out.append(f'<text x="{x0}" y="{y0 - 15}" font-weight="bold">{shape[0]}×{shape[1]} (out×in), batch 1, µs per call</text>')
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
    out.append(f'<line x1="{lx}" y1="{H + 2 * PAD + 12}" x2="{lx + 20}" y2="{H + 2 * PAD + 12}" stroke="{color}" stroke-width="2"{dash}/>'
               f'<text x="{lx + 26}" y="{H + 2 * PAD + 16}">{name}</text>')
    lx += 190
out.append("</svg>")
print("\n".join(out))
