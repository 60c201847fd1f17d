#!/usr/bin/env python3
"""Draws an adaptive plan (OUT/job/allocation.json that `./cospadi compress --allocation adaptive` writes, or
`./cospadi plan --json`) as an SVG heat map: one row per projection type, one column per layer, each cell the ratio
γ' chosen for that matrix (0 = kept dense) with its method (C = CoSpaDi, S = SVD-LLM, D = dense).

usage: scripts/plot-plan.py PLAN.json OUT.svg [TITLE]

Standard library only.
"""
import json
import re
import sys

TYPES = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


def colour(ratio):
    # white (dense, γ' = 0) to dark blue (γ' = 0.9)
    t = max(0.0, min(1.0, ratio / 0.9))
    r, g, b = (int(255 + (v - 255) * t) for v in (20, 60, 140))
    return "#%02x%02x%02x" % (r, g, b)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    plan = json.load(open(sys.argv[1]))
    title = sys.argv[3] if len(sys.argv) > 3 else "chosen ratio per matrix"
    cells = {}
    layers = 0
    for m in plan["matrices"]:
        match = re.match(r"model\.layers\.(\d+)\.(.+)\.weight$", m["name"])
        if not match:
            continue
        layer, kind = int(match.group(1)), match.group(2)
        layers = max(layers, layer + 1)
        cells[(kind, layer)] = m
    cw, ch, left, top = 64, 34, 130, 60
    width, height = left + cw * layers + 20, top + ch * len(TYPES) + 60
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' % (width, height),
           '<text x="%d" y="20" font-size="14">%s</text>' % (left, title),
           '<text x="%d" y="38">target γ %.2f, achieved %.4f, predicted ΔL %.3g nats/token</text>'
           % (left, plan["target_ratio"], plan["achieved_ratio"], plan["predicted_loss"])]
    for l in range(layers):
        out.append('<text x="%d" y="%d" text-anchor="middle">layer %d</text>' % (left + cw * l + cw / 2, top - 6, l))
    for i, kind in enumerate(TYPES):
        y = top + ch * i
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left - 6, y + ch / 2 + 4, kind.split(".")[1]))
        for l in range(layers):
            m = cells.get((kind, l))
            if m is None:
                continue
            ratio = m["ratio"]
            label = {"cospadi": "C", "svd-llm": "S", "dense": "D"}[m["method"]]
            fill = colour(ratio)
            text = "#ffffff" if ratio > 0.45 else "#000000"
            out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#888"/>' % (left + cw * l, y, cw, ch, fill))
            out.append('<text x="%d" y="%d" text-anchor="middle" fill="%s">%s %.2f</text>'
                       % (left + cw * l + cw / 2, y + ch / 2 + 4, text, label, ratio))
    out.append('<text x="%d" y="%d">cell: method (C CoSpaDi, S SVD-LLM, D dense) and its ratio 1 − storage/(d1·d2)</text>'
               % (left, top + ch * len(TYPES) + 24))
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
