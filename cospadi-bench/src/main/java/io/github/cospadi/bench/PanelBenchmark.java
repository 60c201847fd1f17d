package io.github.cospadi.bench;

import io.github.cospadi.internal.FloatOps;
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
 * The panel GEMV of Batch-OMP alone, y −= Pᵀw for a panel P of {@code rows} × 1024 floats (the shape of issue 3's
 * case A at step t = rows), one thread: what bounds OMP's case A. GFMA/s = rows·1024 / time.
 *
 * <pre>java -jar cospadi-bench/target/benchmarks.jar PanelBenchmark -f 1 -wi 2 -i 3</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class PanelBenchmark {
    static final int WIDTH = 1024;
    @Param({"64", "128", "256"})
    public int rows;

    private float[] panel, w, y;

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(5);
        panel = new float[rows * WIDTH];
        for (int i = 0; i < panel.length; i++) panel[i] = (float) random.nextDouble();
        w = new float[rows];
        for (int i = 0; i < rows; i++) w[i] = (float) (random.nextDouble() * 1e-3);
        y = new float[WIDTH];
    }

    @Benchmark
    public float[] subtractTransposedProduct() {
        FloatOps.get().subtractTransposedProduct(panel, 0, rows, WIDTH, WIDTH, w, 0, y);
        return y;
    }
}
