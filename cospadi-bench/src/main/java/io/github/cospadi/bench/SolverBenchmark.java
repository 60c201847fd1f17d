package io.github.cospadi.bench;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.internal.DenseOps;
import org.ejml.data.FMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The hot kernels of compression on one thread: the Gram/correlation GEMM (C = AᵀB), Batch-OMP and two warm
 * refresh steps on a block of 64 signals (m × k unit-norm Gaussian dictionary, s nonzeros).
 *
 * <pre>java -jar cospadi-bench/target/benchmarks.jar SolverBenchmark -f 1 -wi 2 -i 3</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class SolverBenchmark {
    @Param({"512x512x64", "2048x1024x256"})
    public String problem; // m x k x s

    private FMatrixRMaj dictionary, signals;
    private io.github.cospadi.sparse.ColumnSparseMatrix warm;
    private int s;

    @Setup(Level.Trial)
    public void setUp() {
        final String[] p = problem.split("x");
        final int m = Integer.parseInt(p[0]), k = Integer.parseInt(p[1]);
        s = Integer.parseInt(p[2]);
        final SplittableRandom random = new SplittableRandom(3);
        dictionary = KernelBenchmark.random(m, k, random);
        for (int c = 0; c < k; c++) {
            double norm = 0;
            for (int r = 0; r < m; r++) norm += dictionary.get(r, c) * dictionary.get(r, c);
            for (int r = 0; r < m; r++) dictionary.set(r, c, (float) (dictionary.get(r, c) / Math.sqrt(norm)));
        }
        signals = KernelBenchmark.random(m, 64, random);
        warm = SparseCoder.omp().encode(dictionary, signals, s, null, Parallelism.sequential());
    }

    @Benchmark
    public Object gramProduct() {
        return DenseOps.multTransA(dictionary, dictionary, Parallelism.sequential());
    }

    /** Two warm refresh steps from the OMP codes (the coding step of {@code Builder.fast()}) on the same 64 signals. */
    @Benchmark
    public Object refreshBlockOf64() {
        return SparseCoder.refresh(2).encode(dictionary, signals, s, warm, Parallelism.sequential());
    }

    @Benchmark
    public Object ompBlockOf64() {
        return SparseCoder.omp().encode(dictionary, signals, s, null, Parallelism.sequential());
    }
}
