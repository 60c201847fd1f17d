package io.github.cospadi.bench;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.internal.FloatOps;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Calibration Gram accumulation: {@code CalibrationStats.Accumulator.add} of 256 tokens at d = 576 and 1536 (SmolLM2-135M's
 * widths) against the previous accumulator (16 tokens per block, one double axpy per row of G and token; kept here as
 * {@link #previous}, always one thread). GFLOP/s counts 256·d² flops per call (the d²/2 multiply-adds of the triangle,
 * two flops each). A plain main rather than JMH, for a shared machine: the two are called alternately, {@code reps}
 * times each after as many warm-up calls, and the best and the median call are reported, in wall time or, with
 * {@code -Dcpu=true} and one thread, in the calling thread's CPU time (time the core was really ours). The CPU time
 * of the whole process per add() call (mean; the clock ticks in 10 ms) is printed too: with two threads it shows
 * whether the split adds work, which wall time on a shared machine cannot.
 *
 * <pre>
 * taskset -c 0 java --add-modules jdk.incubator.vector -cp cospadi-bench/target/benchmarks.jar io.github.cospadi.bench.GramBenchmark 1 [reps]
 * java --add-modules jdk.incubator.vector -cp cospadi-bench/target/benchmarks.jar io.github.cospadi.bench.GramBenchmark 2 [reps]
 * </pre>
 */
public final class GramBenchmark {
    static final int TOKENS = 256;
    private static final boolean CPU_TIME = Boolean.getBoolean("cpu");
    private static final ThreadMXBean BEAN = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private GramBenchmark() {}

    public static void main(String[] args) {
        final int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        final int reps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        if (CPU_TIME && threads != 1) throw new IllegalArgumentException("-Dcpu=true times one thread only, got threads=" + threads);
        System.out.println("FloatOps " + FloatOps.get().name() + ", " + TOKENS + " tokens per call, " + reps + " calls each, "
                + (CPU_TIME ? "CPU time of the calling thread" : "wall time") + "; add() with " + threads + " thread(s)");
        System.out.println("d\tprevious best ms\tmedian ms\tGFLOP/s (best)\tadd best ms\tmedian ms\tGFLOP/s (best)\tadd process CPU ms (mean)"
                + "\tspeed-up (best, median)");
        for (int d : new int[]{576, 1536}) {
            final float[] x = new float[TOKENS * d];
            final SplittableRandom random = new SplittableRandom(d);
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            final double[] lower = new double[d * d];
            final CalibrationStats.Accumulator acc = CalibrationStats.accumulator(d, Parallelism.threads(threads));
            final double[] before = new double[reps], after = new double[reps], afterCpu = new double[reps];
            for (int r = -reps; r < reps; r++) { // the first reps rounds warm up
                final double b = time(() -> previous(x, TOKENS, d, lower));
                final long cpu0 = PROCESS.getProcessCpuTime();
                final double a = time(() -> acc.add(x, 0, TOKENS));
                if (r >= 0) {
                    before[r] = b;
                    after[r] = a;
                    afterCpu[r] = (PROCESS.getProcessCpuTime() - cpu0) * 1e-9;
                }
            }
            Arrays.sort(before);
            Arrays.sort(after);
            final double flops = (double) TOKENS * d * d;
            System.out.printf("%d\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.1f\t%.2f\t%.1f×, %.1f×%n", d, before[0] * 1e3, before[reps / 2] * 1e3,
                    flops / before[0] / 1e9, after[0] * 1e3, after[reps / 2] * 1e3, flops / after[0] / 1e9,
                    Arrays.stream(afterCpu).average().orElse(0) * 1e3, before[0] / after[0], before[reps / 2] / after[reps / 2]);
        }
    }

    private static double time(Runnable call) {
        final long t0 = CPU_TIME ? BEAN.getCurrentThreadCpuTime() : System.nanoTime();
        call.run();
        return ((CPU_TIME ? BEAN.getCurrentThreadCpuTime() : System.nanoTime()) - t0) * 1e-9;
    }

    /** The accumulator before the SYRK kernel: 16 tokens at a time, one double axpy per (row of G, token). */
    static void previous(float[] rows, int count, int d, double[] lower) {
        final FloatOps ops = FloatOps.get();
        final int block = 16;
        final double[] tokenBlock = new double[block * d];
        for (int t0 = 0; t0 < count; t0 += block) {
            final int n = Math.min(block, count - t0);
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < d; i++) tokenBlock[b * d + i] = rows[(t0 + b) * d + i];
            }
            for (int i = 0; i < d; i++) {
                for (int b = 0; b < n; b++) {
                    final double xi = tokenBlock[b * d + i];
                    if (xi != 0) ops.axpy(xi, tokenBlock, b * d, lower, i * d, i + 1);
                }
            }
        }
    }
}
