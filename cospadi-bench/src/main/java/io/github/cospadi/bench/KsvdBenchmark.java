package io.github.cospadi.bench;

import io.github.cospadi.coding.CodingProblem;
import io.github.cospadi.coding.ColumnCoder;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.dictionary.DictionaryLearner;
import io.github.cospadi.dictionary.DictionaryUpdate;
import io.github.cospadi.dictionary.Initialization;
import io.github.cospadi.dictionary.LearningOptions;
import io.github.cospadi.sparse.ColumnSparseMatrix;
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
import java.util.function.Supplier;

/**
 * One dictionary-update sweep (K-SVD with 8 power steps, or MOD) on an m × n target with fixed codes: the coder
 * returns codes computed once in setup, so a one-iteration learning run is initialization (random columns) plus the
 * coding problem's Γ = DᵀD, the residual and one sweep. One thread.
 *
 * <pre>java -jar cospadi-bench/target/benchmarks.jar KsvdBenchmark -f 1 -wi 2 -i 3</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class KsvdBenchmark {
    @Param({"256x704x207x103", "1024x1024x546x273"}) // m x n x k x s
    public String problem;
    @Param({"KSVD", "MOD"})
    public DictionaryUpdate update;

    private FMatrixRMaj targets;
    private int k, s;
    private DictionaryLearner learner;

    @Setup(Level.Trial)
    public void setUp() {
        final String[] p = problem.split("x");
        final int m = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]);
        k = Integer.parseInt(p[2]);
        s = Integer.parseInt(p[3]);
        targets = KernelBenchmark.random(m, n, new SplittableRandom(5));
        final ColumnSparseMatrix fixed = ColumnSparseMatrix.random(k, n, s, new SplittableRandom(6));
        final SparseCoder frozen = new SparseCoder() {
            @Override
            public ColumnSparseMatrix encode(CodingProblem problem) {
                return fixed;
            }

            @Override
            public Supplier<ColumnCoder> prepare(CodingProblem problem) {
                throw new UnsupportedOperationException("frozen codes");
            }

            @Override
            public String name() {
                return "frozen";
            }
        };
        learner = new DictionaryLearner(LearningOptions.defaults().withCoder(frozen).withUpdate(update)
                .withInitialization(Initialization.RANDOM_COLUMNS).withIterations(1).withPowerTolerance(0).withCodingWarmup(1)
                .withSeed(1));
    }

    @Benchmark
    public Object oneSweep() {
        return learner.learn(targets, k, s);
    }
}
