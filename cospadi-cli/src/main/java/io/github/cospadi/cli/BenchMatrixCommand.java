package io.github.cospadi.cli;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.CompressionReport;
import io.github.cospadi.Compressor;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import io.github.cospadi.internal.Randoms;

/**
 * {@code cospadi bench-matrix}: times the compression of one synthetic matrix (PyTorch layout, rows = outFeatures,
 * cols = inFeatures) with a decaying spectrum and an anisotropic full-rank calibration Gram, split by phase.
 */
final class BenchMatrixCommand implements Command {

    @Override
    public String summary() {
        return "time the compression of one synthetic matrix, split by phase";
    }

    @Override
    public String usage() {
        return "--rows R --cols C [--ratio G] [--iterations T] [--coding-interval C] [--warmup W] [--refresh-steps R] [--power-iterations P] [--extrapolation on|off] [--fast] [--init svd|random-columns] [--orientation input|output|auto] [--square both|input|output] [--threads N] [--coder omp|iht] [--power-tolerance P] "
                + "[--seed S] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) {
        final int rows = o.integer("rows", 0), cols = o.integer("cols", 0);
        if (rows < 1 || cols < 1) throw new Options.UsageException("--rows and --cols must be positive, got " + rows + " and " + cols);
        final double ratio = o.real("ratio", 0.2);
        final int iterations = o.integer("iterations", 60);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final String coder = o.string("coder", "omp");
        final double powerTolerance = o.real("power-tolerance", 1e-6);
        final long seed = o.integer("seed", 42);
        final java.util.function.Consumer<Compressor.Builder> schedule = LayersCommand.schedule(o);
        final boolean json = o.flag("json");
        o.finish();

        final SplittableRandom random = new SplittableRandom(seed);
        final FMatrixRMaj weight = syntheticWeight(rows, cols, random);
        final CalibrationStats calibration = syntheticCalibration(cols, random);
        final Compressor.Builder builder = Compressor.builder().ratio(ratio).iterations(iterations).coder(LayersCommand.coder(coder))
                .powerTolerance(powerTolerance);
        schedule.accept(builder);
        final Compressor compressor = builder.parallelism(Parallelism.threads(threads)).seed(seed)
                .progress(e -> {
                    if (!json && e.phase().equals("iteration")) {
                        err.printf(Locale.ROOT, "iteration %d/%d objective %.6g (%.1f s)%n", e.iteration(), e.totalIterations(),
                                e.objective(), e.elapsed().toNanos() / 1e9);
                    }
                }).build();
        final long start = System.nanoTime();
        final CompressedMatrix c = compressor.compress(weight, calibration);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final CompressionReport r = c.report();
        final double objective = r.objective().get(r.objective().size() - 1);
        final long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", rows);
            m.put("cols", cols);
            m.put("ratio", ratio);
            m.put("k", r.atoms());
            m.put("s", r.nonzerosPerColumn());
            m.put("iterations", r.iterations());
            m.put("threads", threads);
            m.put("coder", r.coder());
            m.put("seconds", seconds);
            m.put("objective", objective);
            m.put("functional_error", r.functionalError());
            m.put("weight_error", r.weightError());
            final Map<String, Object> phases = new LinkedHashMap<>();
            r.phaseSeconds().forEach(phases::put);
            m.put("phases", phases);
            out.println(Json.object(m));
        } else {
            out.printf(Locale.ROOT, "%dx%d ratio %.2f: k=%d s=%d, %d iterations, %d threads, coder %s%n", rows, cols, ratio,
                    r.atoms(), r.nonzerosPerColumn(), r.iterations(), threads, r.coder());
            out.printf(Locale.ROOT, "seconds %.2f  objective %.8g  functional error %.5f  weight error %.5f  heap in use %.0f MB%n",
                    seconds, objective, r.functionalError(), r.weightError(), heap / 1e6);
            r.phaseSeconds().forEach((phase, s) -> out.printf(Locale.ROOT, "  %-12s %8.2f s%n", phase, s));
        }
        return 0;
    }

    /** W = G·diag((1+j)^-1/2): Gaussian rows with decaying column scales, so the spectrum decays as in real layers. */
    static FMatrixRMaj syntheticWeight(int rows, int cols, SplittableRandom random) {
        final FMatrixRMaj w = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) w.data[i * cols + j] = (float) (Randoms.gaussian(random) / Math.sqrt(1 + j) * 0.05);
        }
        return w;
    }

    /** G = diag(a) + MᵀM with M (64 × d) Gaussian and a decaying diagonal: full rank, anisotropic. */
    static CalibrationStats syntheticCalibration(int d, SplittableRandom random) {
        final int q = 64;
        final double[] mix = new double[q * d];
        for (int i = 0; i < mix.length; i++) mix[i] = Randoms.gaussian(random);
        final DMatrixRMaj g = new DMatrixRMaj(d, d);
        for (int a = 0; a < d; a++) {
            for (int b = 0; b <= a; b++) {
                double v = 0;
                for (int p = 0; p < q; p++) v += mix[p * d + a] * mix[p * d + b];
                g.data[a * d + b] = v;
                g.data[b * d + a] = v;
            }
            g.data[a * d + a] += 4.0 * q / (1 + 0.01 * a);
        }
        return CalibrationStats.ofGram(g, 4096);
    }

}
