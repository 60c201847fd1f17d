#!/usr/bin/env python3
"""Per-task durations of a finished compression job, and projected wall times for Llama-3-8B and 70B on N executors.

usage: scripts/job-scaling.py OUT/job

Measured: each compression task's record (tasks/compress-*.json: seconds = the compressor's wall time, shape).
Projection model (docs/benchmarks.md, "Compression jobs"):
  - a task's 2-core time is t = 626 s * (rows*cols / 4096^2)^0.493 * (min(rows, cols) / 4096)^2.58, the power law
    through the three shapes measured in docs/benchmarks.md section 5 (fast schedule, ratio 0.2, 60 iterations:
    2048x8192 104.4 s, 4096x4096 626.1 s, 4096x14336 1159.5 s); 8192-wide shapes (70B) are an extrapolation;
  - a task runs single-threaded in a job: its time is the 2-core time x 1.65 (the measured 1->2 thread speed-up of
    2048x8192: 172.3 s / 104.4 s);
  - N executors of one core each run the tasks largest first (LPT list scheduling), no other cost: capture,
    reduction and assembly are left out (they are minutes against hours), so the figures are lower bounds.
"""
import glob, json, os, sys, heapq

SINGLE_CORE = 172.3 / 104.4


def task_seconds(rows, cols):
    return 626.1 * (rows * cols / 4096 ** 2) ** 0.493 * (min(rows, cols) / 4096) ** 2.58 * SINGLE_CORE


def model_tasks(layers, hidden, kv, ffn):
    per = [(hidden, hidden), (kv, hidden), (kv, hidden), (hidden, hidden), (ffn, hidden), (ffn, hidden), (hidden, ffn)]
    return [task_seconds(r, c) for _ in range(layers) for (r, c) in per]


def makespan(tasks, n):
    slots = [0.0] * n
    heapq.heapify(slots)
    for t in sorted(tasks, reverse=True):
        heapq.heappush(slots, heapq.heappop(slots) + t)
    return max(slots)


def main():
    if len(sys.argv) > 1:
        by_shape = {}
        for f in glob.glob(os.path.join(sys.argv[1], 'tasks', 'compress-*.json')):
            r = json.load(open(f))
            by_shape.setdefault(r['shape'], []).append(r['seconds'])
        print('| shape | tasks | mean s | total s |')
        print('|---|---|---|---|')
        for s, v in sorted(by_shape.items(), key=lambda kv: -sum(kv[1])):
            print(f'| {s} | {len(v)} | {sum(v) / len(v):.2f} | {sum(v):.1f} |')
        allt = [t for v in by_shape.values() for t in v]
        print(f'\nsum of task times {sum(allt):.1f} s; on 2 workers (LPT) {makespan(allt, 2):.1f} s\n')
    models = {'Llama-3-8B (224 tasks)': model_tasks(32, 4096, 1024, 14336),
              'Llama-3-70B (560 tasks)': model_tasks(80, 8192, 1024, 28672)}
    ns = [1, 8, 32, 64, 128, 256, 560]
    print('| model | sum of tasks (core-h) | ' + ' | '.join(f'N={n}' for n in ns) + ' |')
    print('|---|---|' + '---|' * len(ns))
    for name, ts in models.items():
        cells = [f'{makespan(ts, n) / 3600:.1f} h' for n in ns]
        print(f'| {name} | {sum(ts) / 3600:.0f} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
