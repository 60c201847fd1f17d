package io.github.cospadi.cli;

import io.github.cospadi.Budget;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.kernel.DenseLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.kernel.LowRankLinear;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code cospadi bench-kernel}: median time per call of the dense layer, the SVD-LLM low-rank pair and the CoSpaDi
 * layer at the same ratio γ (ρ = 2, effective accounting), on random weights; a quick check next to the JMH suite.
 * "compressed" is the deployed form (float dictionary, int8 codes in tiles); "(float32)" the exact float codes.
 */
final class BenchKernelCommand implements Command {

    @Override
    public String summary() {
        return "median time per call: dense vs low-rank vs compressed layer at one ratio";
    }

    @Override
    public String usage() {
        return "--rows R --cols C --ratio G [--batch B] [--threads T] [--calls N] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) {
        final int rows = o.integer("rows", 0), cols = o.integer("cols", 0);
        if (rows < 1 || cols < 1) throw new Options.UsageException("--rows (outFeatures) and --cols (inFeatures) must be positive");
        final double ratio = o.real("ratio", 0.2);
        final int batch = o.integer("batch", 1);
        final int threads = o.integer("threads", 1);
        final int calls = o.integer("calls", 0);
        final boolean json = o.flag("json");
        o.finish();
        final SplittableRandom random = new SplittableRandom(7);
        final Budget b = Budget.forRatio(cols, rows, ratio, 2, Budget.Accounting.EFFECTIVE);
        final Budget lr = Budget.lowRank(cols, rows, ratio);
        final LinearOperator dense = new DenseLinear(gaussian(rows, cols, random));
        final LinearOperator lowRank = new LowRankLinear(gaussian(rows, lr.atoms(), random), gaussian(lr.atoms(), cols, random));
        final FMatrixRMaj dictionary = gaussian(cols, b.atoms(), random);
        final ColumnSparseMatrix codes = ColumnSparseMatrix.random(b.atoms(), rows, b.nonzerosPerColumn(), random);
        final LinearOperator compressed = new CompressedLinear(dictionary, codes, CompressedLinear.CodePrecision.INT8);
        final LinearOperator exact = new CompressedLinear(dictionary, codes, CompressedLinear.CodePrecision.F32);
        final FMatrixRMaj x = gaussian(batch, cols, random);
        final Parallelism par = Parallelism.threads(threads);
        final int n = calls > 0 ? calls : Math.max(20, (int) Math.min(2000, 4e9 / (8.0 * rows * cols * batch)));
        final double[] medians = medians(new LinearOperator[]{dense, lowRank, compressed, exact}, x, par, n);
        final double td = medians[0], tl = medians[1], tc = medians[2], te = medians[3];
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", rows);
            m.put("cols", cols);
            m.put("ratio", ratio);
            m.put("batch", batch);
            m.put("threads", threads);
            m.put("k", b.atoms());
            m.put("s", b.nonzerosPerColumn());
            m.put("r", lr.atoms());
            m.put("dense_seconds", td);
            m.put("lowrank_seconds", tl);
            m.put("compressed_seconds", tc);
            m.put("compressed_float32_seconds", te);
            m.put("dense_gbps", dense.weightBytes() / td / 1e9);
            m.put("lowrank_gbps", lowRank.weightBytes() / tl / 1e9);
            m.put("compressed_gbps", compressed.weightBytes() / tc / 1e9);
            m.put("compressed_float32_gbps", exact.weightBytes() / te / 1e9);
            m.put("simd", io.github.cospadi.internal.FloatOps.get().name());
            out.println(Json.object(m));
        } else {
            out.printf(Locale.ROOT, "%dx%d (out x in) gamma=%.2f batch=%d threads=%d  k=%d s=%d r=%d  (%s, median of %d calls)%n", rows, cols,
                    ratio, batch, threads, b.atoms(), b.nonzerosPerColumn(), lr.atoms(), io.github.cospadi.internal.FloatOps.get().name(), n);
            print(out, "dense", td, dense, td);
            print(out, "low-rank", tl, lowRank, td);
            print(out, "compressed", tc, compressed, td);
            print(out, "  (float32)", te, exact, td);
            out.printf(Locale.ROOT, "target: compressed <= 1.1 x (1 - gamma) x dense = %.1f us%n", 1.1 * (1 - ratio) * td * 1e6);
        }
        return 0;
    }

    private static void print(PrintStream out, String name, double t, LinearOperator op, double dense) {
        out.printf(Locale.ROOT, "  %-11s %10.1f us  %6.1f GB/s of weights  %5.2f x dense%n", name, t * 1e6, op.weightBytes() / t / 1e9, t / dense);
    }

    /**
     * Median seconds per call of each operator, the calls interleaved round-robin (op 0, op 1, …, op 0, …) so that
     * drift of the machine (frequency, other load, memory placement) falls on all of them alike.
     */
    static double[] medians(LinearOperator[] ops, FMatrixRMaj x, Parallelism par, int n) {
        final float[] x0 = Arrays.copyOf(x.data, ops[0].inFeatures());
        final float[] y = new float[ops[0].outFeatures()];
        final boolean single = x.numRows == 1;
        final double[][] t = new double[ops.length][n];
        for (int i = -Math.max(10, n / 5); i < n; i++) { // negative i: warm-up
            for (int o = 0; o < ops.length; o++) {
                final long t0 = System.nanoTime();
                if (single) ops[o].multiply(x0, y, par);
                else ops[o].multiply(x, par);
                if (i >= 0) t[o][i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        final double[] medians = new double[ops.length];
        for (int o = 0; o < ops.length; o++) {
            Arrays.sort(t[o]);
            medians[o] = t[o][n / 2];
        }
        return medians;
    }

    static FMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        final FMatrixRMaj m = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = (float) (random.nextDouble() * 2 - 1);
        return m;
    }
}
