package io.github.cospadi.cli;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import io.github.cospadi.internal.Randoms;

/**
 * {@code cospadi bench-omp}: times the OMP coder on a random problem (Gaussian unit-norm dictionary m × k, Gaussian
 * signals m × n, s nonzeros) after one warm-up run; prints seconds and the mean relative residual ‖x − Dc‖/‖x‖.
 * {@code --write FILE} stores the problem (little-endian int32 m, k, n, s, then D and X as float64 row-major) so that
 * scripts/bench-omp-vs-sklearn.sh can run scikit-learn on exactly the same data.
 */
final class BenchOmpCommand implements Command {

    @Override
    public String summary() {
        return "time OMP on a random problem (seconds, mean relative residual)";
    }

    @Override
    public String usage() {
        return "--m M --k K --n N --s S [--threads T] [--coder omp|iht|omp-reference] [--seed X] [--repeat R] [--write FILE] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws IOException {
        final int m = o.integer("m", 0), k = o.integer("k", 0), n = o.integer("n", 0), s = o.integer("s", 0);
        if (m < 1 || k < 1 || n < 1 || s < 1 || s > k) {
            throw new Options.UsageException("need positive --m --k --n --s with s <= k, got m=" + m + " k=" + k + " n=" + n + " s=" + s);
        }
        final int threads = o.integer("threads", 1);
        final String coderName = o.string("coder", "omp");
        final long seed = o.integer("seed", 42);
        final int repeat = o.integer("repeat", 3);
        final String write = o.string("write", null);
        final boolean json = o.flag("json");
        o.finish();
        final SparseCoder coder = coderName.equals("omp-reference") ? referenceOmp() : LayersCommand.coder(coderName);

        final SplittableRandom random = new SplittableRandom(seed);
        final FMatrixRMaj d = new FMatrixRMaj(m, k), x = new FMatrixRMaj(m, n);
        for (int i = 0; i < d.data.length; i++) d.data[i] = (float) Randoms.gaussian(random);
        for (int c = 0; c < k; c++) {
            double norm = 0;
            for (int r = 0; r < m; r++) norm += (double) d.data[r * k + c] * d.data[r * k + c];
            final double inv = 1 / Math.sqrt(norm);
            for (int r = 0; r < m; r++) d.data[r * k + c] = (float) (d.data[r * k + c] * inv);
        }
        for (int i = 0; i < x.data.length; i++) x.data[i] = (float) Randoms.gaussian(random);
        if (write != null) write(Path.of(write), m, k, n, s, d, x);

        final Parallelism par = Parallelism.threads(threads);
        coder.encode(d, x, s, null, par); // warm-up (JIT)
        double best = Double.POSITIVE_INFINITY;
        ColumnSparseMatrix codes = null;
        for (int r = 0; r < Math.max(1, repeat); r++) {
            final long t0 = System.nanoTime();
            codes = coder.encode(d, x, s, null, par);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        final double residual = meanRelativeResidual(d, x, codes);
        if (json) {
            final Map<String, Object> mObj = new LinkedHashMap<>();
            mObj.put("seconds", best);
            mObj.put("relative_residual", residual);
            mObj.put("m", m);
            mObj.put("k", k);
            mObj.put("n", n);
            mObj.put("s", s);
            mObj.put("threads", threads);
            mObj.put("coder", coder.name());
            mObj.put("simd", io.github.cospadi.internal.FloatOps.get().name());
            out.println(Json.object(mObj));
        } else {
            out.printf(Locale.ROOT, "%s m=%d k=%d n=%d s=%d threads=%d (%s): %.3f s (best of %d), mean relative residual %.6f%n",
                    coder.name(), m, k, n, s, threads, io.github.cospadi.internal.FloatOps.get().name(), best, Math.max(1, repeat), residual);
        }
        return 0;
    }

    private static SparseCoder referenceOmp() {
        try {
            final var c = Class.forName("io.github.cospadi.coding.ReferenceOmpCoder");
            final var f = c.getDeclaredField("INSTANCE");
            f.setAccessible(true);
            return (SparseCoder) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static double meanRelativeResidual(FMatrixRMaj d, FMatrixRMaj x, ColumnSparseMatrix codes) {
        final int m = d.numRows, k = d.numCols, n = x.numCols, s = codes.nonzerosPerColumn();
        double sum = 0;
        final double[] r = new double[m];
        for (int j = 0; j < n; j++) {
            double norm = 0;
            for (int i = 0; i < m; i++) {
                r[i] = x.data[i * n + j];
                norm += r[i] * r[i];
            }
            for (int t = j * s; t < (j + 1) * s; t++) {
                final int a = codes.rowIndices()[t];
                final double v = codes.values()[t];
                for (int i = 0; i < m; i++) r[i] -= v * d.data[i * k + a];
            }
            double res = 0;
            for (int i = 0; i < m; i++) res += r[i] * r[i];
            sum += norm > 0 ? Math.sqrt(res / norm) : 0;
        }
        return sum / n;
    }

    private static void write(Path path, int m, int k, int n, int s, FMatrixRMaj d, FMatrixRMaj x) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            final ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(m).putInt(k).putInt(n).putInt(s);
            head.flip();
            while (head.hasRemaining()) ch.write(head);
            for (FMatrixRMaj a : new FMatrixRMaj[]{d, x}) {
                final ByteBuffer b = ByteBuffer.allocate(a.data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : a.data) b.putDouble(v);
                b.flip();
                while (b.hasRemaining()) ch.write(b);
            }
        }
    }

}
