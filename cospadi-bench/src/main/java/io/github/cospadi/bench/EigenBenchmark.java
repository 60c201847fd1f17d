package io.github.cospadi.bench;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.DoubleProducts;
import io.github.cospadi.internal.Randoms;
import io.github.cospadi.internal.SymmetricEigen;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the symmetric eigen-decomposition of an n × n Gram Y·Yᵀ (Y Gaussian n × 2n with decaying column scales):
 * {@link SymmetricEigen} (all eigenvalues, the top {@code --count} vectors) against EJML's (all vectors), wall and
 * CPU time of the calling thread (the machine may be shared), plus the largest eigenvalue difference.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp cospadi-bench/target/benchmarks.jar io.github.cospadi.bench.EigenBenchmark
 *     --n 576 [--count N] [--threads 1] [--repeat 3] [--ejml true]</pre>
 */
public final class EigenBenchmark {
    private EigenBenchmark() {}

    public static void main(String[] args) {
        int n = 576, count = -1, threads = 1, repeat = 3;
        boolean ejml = true;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--count" -> count = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
                case "--ejml" -> ejml = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (count < 0) count = n;
        final SplittableRandom random = new SplittableRandom(1);
        final int q = 2 * n;
        final double[] y = new double[n * q];
        for (int i = 0; i < n; i++) for (int j = 0; j < q; j++) y[i * q + j] = Randoms.gaussian(random) / Math.sqrt(1 + j);
        final double[] g = DoubleProducts.gramOfRows(y, n, q, Parallelism.threads(threads));
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SymmetricEigen ours = null;
        for (int r = 0; r < repeat; r++) {
            final long w0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
            ours = SymmetricEigen.of(g, n, count, Parallelism.threads(threads));
            System.out.printf(Locale.ROOT, "cospadi n=%d count=%d threads=%d: %.3f s wall, %.3f s CPU (calling thread)%n", n, count,
                    threads, (System.nanoTime() - w0) / 1e9, (mx.getCurrentThreadCpuTime() - c0) / 1e9);
        }
        if (!ejml) return;
        for (int r = 0; r < Math.min(repeat, 2); r++) {
            final long w0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
            final EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
            if (!eig.decompose(DMatrixRMaj.wrap(n, n, g.clone()))) throw new IllegalStateException("EJML failed");
            System.out.printf(Locale.ROOT, "EJML    n=%d (all vectors): %.3f s wall, %.3f s CPU%n", n, (System.nanoTime() - w0) / 1e9,
                    (mx.getCurrentThreadCpuTime() - c0) / 1e9);
            final double[] ev = new double[n];
            for (int i = 0; i < n; i++) ev[i] = eig.getEigenvalue(i).real;
            java.util.Arrays.sort(ev);
            double diff = 0;
            for (int c = 0; c < n; c++) diff = Math.max(diff, Math.abs(ev[n - 1 - c] - ours.value(c)));
            System.out.printf(Locale.ROOT, "max |eigenvalue difference| %.3g (largest eigenvalue %.6g)%n", diff, ours.value(0));
        }
    }
}
