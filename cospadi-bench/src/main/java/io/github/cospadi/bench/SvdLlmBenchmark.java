package io.github.cospadi.bench;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.internal.Randoms;
import org.ejml.data.FMatrixRMaj;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Times the low-rank baselines on the projection shapes of SmolLM2-135M (issue 11): per layer q, o (576 × 576), k, v
 * (192 × 576), gate, up (1536 × 576) and down (576 × 1536), out × in. Synthetic weights (Gaussian with decaying
 * column scales) and calibration Grams XᵀX of a few thousand synthetic activations (correlated through a 32-dimensional
 * latent part, decaying channel scales, a few outlier channels), one Gram per input width and layer parity. The
 * matrices run in parallel, each compressed on one thread (as {@code cospadi layers} does). Prints the wall time, the
 * CPU time of the compressing threads (the machine may be shared: CPU time is the steadier figure), the summed wall time
 * per phase (from {@link io.github.cospadi.CompressionReport#phaseSeconds()}) and the mean functional error.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp cospadi-bench/target/benchmarks.jar io.github.cospadi.bench.SvdLlmBenchmark
 *     [--layers 30] [--threads 2] [--ratio 0.3] [--method svd-llm|svd] [--tokens 2048] [--warmup 1]</pre>
 *
 * {@code --warmup L} first compresses the matrices of the first L layers once, untimed (JIT warm-up).
 */
public final class SvdLlmBenchmark {
    private SvdLlmBenchmark() {}

    /** SmolLM2-135M: hidden 576, intermediate 1536, 3 key-value heads of 64. */
    private static final String[] NAMES = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    private static final int[][] SHAPES = {{576, 576}, {192, 576}, {192, 576}, {576, 576}, {1536, 576}, {1536, 576}, {576, 1536}};

    public static void main(String[] args) {
        int layers = 30, threads = 2, tokens = 2048, warmup = 1;
        double ratio = 0.3;
        Method method = Method.SVD_LLM;
        for (int i = 0; i < args.length; i += 2) {
            final String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--layers" -> layers = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--tokens" -> tokens = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--ratio" -> ratio = Double.parseDouble(v);
                case "--method" -> method = switch (v) {
                    case "svd-llm" -> Method.SVD_LLM;
                    case "svd" -> Method.SVD;
                    default -> throw new IllegalArgumentException("--method must be svd-llm or svd, got " + v);
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        final long t0 = System.nanoTime();
        final Map<Integer, CalibrationStats[]> grams = new TreeMap<>();
        for (int d : new int[]{576, 1536}) {
            grams.put(d, new CalibrationStats[]{calibration(d, tokens, new SplittableRandom(d)), calibration(d, tokens, new SplittableRandom(d + 1))});
        }
        System.out.printf(Locale.ROOT, "grams: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        final List<String> names = new ArrayList<>();
        final List<FMatrixRMaj> weights = new ArrayList<>();
        final List<CalibrationStats> stats = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < NAMES.length; p++) {
                names.add("L" + l + "." + NAMES[p]);
                weights.add(weight(SHAPES[p][0], SHAPES[p][1], new SplittableRandom(1000L * l + p)));
                stats.add(grams.get(SHAPES[p][1])[l % 2]);
            }
        }
        final Compressor compressor = Compressor.builder().method(method).ratio(ratio).parallelism(Parallelism.sequential()).build();
        final int n = names.size();
        // untimed warm-up (the JIT): the first `warmup` layers' matrices once
        final int warm = Math.min(n, warmup * NAMES.length);
        Parallelism.threads(threads).forEachBlock(warm, 1, (from, to) -> compressor.compress(weights.get(from), stats.get(from)));
        final double[] errors = new double[n], cpu = new double[n];
        final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        final List<Map<String, Double>> phases = new ArrayList<>();
        for (int i = 0; i < n; i++) phases.add(null);
        final long start = System.nanoTime();
        Parallelism.threads(threads).forEachBlock(n, 1, (from, to) -> {
            final long c0 = mx.getCurrentThreadCpuTime();
            final CompressedMatrix c = compressor.compress(weights.get(from), stats.get(from));
            cpu[from] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
            errors[from] = c.report().functionalError();
            phases.set(from, c.report().phaseSeconds());
        });
        final double wall = (System.nanoTime() - start) / 1e9;
        final Map<String, Double> total = new TreeMap<>();
        final Map<String, Double> byType = new TreeMap<>();
        double meanError = 0, cpuTotal = 0;
        for (int i = 0; i < n; i++) {
            meanError += errors[i] / n;
            cpuTotal += cpu[i];
            byType.merge(names.get(i).substring(names.get(i).indexOf('.') + 1) + " cpu", cpu[i], Double::sum);
            final String type = names.get(i).substring(names.get(i).indexOf('.') + 1);
            for (Map.Entry<String, Double> e : phases.get(i).entrySet()) {
                total.merge(e.getKey(), e.getValue(), Double::sum);
                byType.merge(type + " " + e.getKey(), e.getValue(), Double::sum);
            }
        }
        System.out.printf(Locale.ROOT, "%s ratio %.2f: %d matrices on %d threads in %.2f s wall, %.2f s CPU of the compressing threads, "
                + "mean functional error %.6f%n", method, ratio, n, threads, wall, cpuTotal, meanError);
        total.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-12s %9.3f s (summed over matrices)%n", k, v));
        byType.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-24s %9.3f s%n", k, v));
    }

    /** Gaussian (out × in) with column scales (1 + j)^-1/2: a decaying spectrum as in real layers. */
    static FMatrixRMaj weight(int out, int in, SplittableRandom random) {
        final FMatrixRMaj w = new FMatrixRMaj(out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) w.data[i * in + j] = (float) (Randoms.gaussian(random) / Math.sqrt(1 + j) * 0.05);
        }
        return w;
    }

    /**
     * The Gram of {@code tokens} synthetic activations x = diag(s)·z + Bᵀ·u (z Gaussian in d dimensions, u in 32), with
     * channel scales s decaying from 1 to 0.1 and every 64th channel an outlier (×20).
     */
    static CalibrationStats calibration(int d, int tokens, SplittableRandom random) {
        final int latent = 32, chunk = 256;
        final double[] b = new double[latent * d];
        for (int i = 0; i < b.length; i++) b[i] = Randoms.gaussian(random) * 0.5;
        final double[] scale = new double[d];
        for (int j = 0; j < d; j++) scale[j] = (1 - 0.9 * j / d) * (j % 64 == 7 ? 20 : 1);
        final CalibrationStats.Accumulator acc = CalibrationStats.accumulator(d);
        final float[] rows = new float[chunk * d];
        final double[] u = new double[latent];
        for (int t0 = 0; t0 < tokens; t0 += chunk) {
            final int count = Math.min(chunk, tokens - t0);
            for (int t = 0; t < count; t++) {
                for (int a = 0; a < latent; a++) u[a] = Randoms.gaussian(random);
                for (int j = 0; j < d; j++) {
                    double v = scale[j] * Randoms.gaussian(random);
                    for (int a = 0; a < latent; a++) v += u[a] * b[a * d + j];
                    rows[t * d + j] = (float) v;
                }
            }
            acc.add(rows, 0, count);
        }
        return acc.build();
    }
}
