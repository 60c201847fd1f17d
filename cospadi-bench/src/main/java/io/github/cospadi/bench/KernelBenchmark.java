package io.github.cospadi.bench;

import io.github.cospadi.Budget;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.kernel.DenseLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.kernel.LowRankLinear;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A layer y = Ŵx (batch × inFeatures inputs) stored four ways at the same ratio γ: dense float (the baseline), the
 * SVD-LLM low-rank pair (r = ⌊(1−γ)d1d2/(d1+d2)⌋), CoSpaDi (D: d1 × k, S: exactly s per column, ρ = 2, Eq. 11 budget)
 * and EJML's {@code CommonOps_FDRM.mult} on the dense weight. Shapes are out × in. {@code compressed} is the deployed
 * form (float dictionary, int8 code tiles), {@code compressedFloat32} the exact float codes; {@code compressedOutput}
 * is the OUTPUT orientation (docs/design.md §5.6: D out × k, S k × in, the budget with d1 and d2 exchanged) with int8
 * code tiles. {@code threads} sets the kernels' parallelism (EJML's mult is single-threaded).
 *
 * <pre>
 * mvn -B -pl cospadi-bench -am package -DskipTests
 * java -jar cospadi-bench/target/benchmarks.jar KernelBenchmark -f 1 -wi 3 -i 5 -p shape=4096x4096 -p ratio=0.2 -p batch=1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx6g"})
public class KernelBenchmark {
    @Param({"4096x4096", "4096x14336", "14336x4096"})
    public String shape;
    @Param({"0.2", "0.3", "0.4", "0.5"})
    public double ratio;
    @Param({"1", "16", "128"})
    public int batch;
    @Param({"1"})
    public int threads;

    private DenseLinear dense;
    private LowRankLinear lowRank;
    private CompressedLinear compressed, compressedFloat32;
    private LinearOperator compressedOutput;
    private FMatrixRMaj weightT, x, out;
    private float[] x0, y;
    private Parallelism par;

    @Setup(Level.Trial)
    public void setUp() {
        final String[] dims = shape.split("x");
        final int rows = Integer.parseInt(dims[0]), cols = Integer.parseInt(dims[1]);
        final SplittableRandom random = new SplittableRandom(1);
        final FMatrixRMaj w = random(rows, cols, random);
        dense = new DenseLinear(w);
        weightT = new FMatrixRMaj(cols, rows);
        CommonOps_FDRM.transpose(w, weightT);
        final Budget lr = Budget.lowRank(cols, rows, ratio);
        lowRank = new LowRankLinear(random(rows, lr.atoms(), random), random(lr.atoms(), cols, random));
        final Budget b = Budget.forRatio(cols, rows, ratio, 2, Budget.Accounting.EFFECTIVE);
        final FMatrixRMaj dictionary = random(cols, b.atoms(), random);
        final ColumnSparseMatrix codes = ColumnSparseMatrix.random(b.atoms(), rows, b.nonzerosPerColumn(), random);
        compressed = new CompressedLinear(dictionary, codes, CompressedLinear.CodePrecision.INT8);
        compressedFloat32 = new CompressedLinear(dictionary, codes, CompressedLinear.CodePrecision.F32);
        final Budget bo = Budget.forRatio(rows, cols, ratio, 2, Budget.Accounting.EFFECTIVE); // dictionary rows = out
        compressedOutput = LinearOperator.of(new CompressedMatrix(Orientation.OUTPUT, random(rows, bo.atoms(), random),
                ColumnSparseMatrix.random(bo.atoms(), cols, bo.nonzerosPerColumn(), random), null), CompressedLinear.CodePrecision.INT8);
        par = Parallelism.threads(threads);
        x = random(batch, cols, random);
        x0 = Arrays.copyOf(x.data, cols);
        y = new float[rows];
        out = new FMatrixRMaj(batch, rows);
    }

    @Benchmark
    public Object dense() {
        return batch == 1 ? dense.multiply(x0, y, par) : dense.multiply(x, par);
    }

    @Benchmark
    public Object lowRank() {
        return batch == 1 ? lowRank.multiply(x0, y, par) : lowRank.multiply(x, par);
    }

    @Benchmark
    public Object compressed() {
        return batch == 1 ? compressed.multiply(x0, y, par) : compressed.multiply(x, par);
    }

    @Benchmark
    public Object compressedFloat32() {
        return batch == 1 ? compressedFloat32.multiply(x0, y, par) : compressedFloat32.multiply(x, par);
    }

    @Benchmark
    public Object compressedOutput() {
        return batch == 1 ? compressedOutput.multiply(x0, y, par) : compressedOutput.multiply(x, par);
    }

    @Benchmark
    public Object ejmlDense() {
        return CommonOps_FDRM.mult(x, weightT, out);
    }

    static FMatrixRMaj random(int rows, int cols, SplittableRandom random) {
        final FMatrixRMaj m = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = (float) (random.nextDouble() * 2 - 1);
        return m;
    }
}
