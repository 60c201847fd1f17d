package io.github.cospadi.models;

import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.FMatrixRMaj;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Compiles the compressor's hot code before a whole model's first task, once per JVM. A fresh JVM runs its first large
 * tasks in the interpreter and the profiling tier, where the Vector API's operations are calls that allocate: the tiny
 * Llama's 42 matrices took 50 s in a fresh JVM against 36–39 s in a warm one, and a resumed job paid that again
 * (docs/benchmarks.md §15.3). Compressing three small synthetic matrices with the same compressor (wide, tall and
 * square: both orientations and their code paths) lets the JIT compile those methods in a few seconds, so the real
 * tasks start compiled. Results never depend on it: the synthetic factors are thrown away and each task is a pure
 * function of its inputs. Best effort: a compressor whose fixed budget does not fit the synthetic shapes (an adaptive
 * plan's k) skips the shapes it cannot compress. {@code -Dcospadi.warmup=false} turns it off.
 */
final class JitWarmup {
    private static final AtomicBoolean DONE = new AtomicBoolean(!Boolean.parseBoolean(System.getProperty("cospadi.warmup", "true")));
    /** Below this many weight entries in one run the warm-up (≈ 3–5 s of CPU) would cost more than it saves. */
    static final long MIN_WORK = 2_000_000;
    /** The synthetic shapes (out × in): wide (OUTPUT under AUTO), tall (INPUT), square (both ways). */
    private static final int[][] SHAPES = {{96, 224}, {224, 96}, {160, 160}};

    private JitWarmup() {
    }

    /** Whether this run should warm up: large enough and the first in this JVM (claims the warm-up when so). */
    static boolean claim(long weightEntries) {
        return weightEntries >= MIN_WORK && DONE.compareAndSet(false, true);
    }

    /**
     * Compresses worker {@code worker}'s share of the synthetic matrices with {@code compressor}; returns how many it
     * compressed (a shape the compressor's fixed budget does not fit is skipped).
     */
    static int run(Compressor compressor, int worker, int workers) {
        int compressed = 0;
        for (int i = worker; i < SHAPES.length; i += workers) {
            final int out = SHAPES[i][0], in = SHAPES[i][1];
            final SplittableRandom random = new SplittableRandom(i);
            final FMatrixRMaj w = new FMatrixRMaj(out, in);
            for (int j = 0; j < w.data.length; j++) w.data[j] = (float) random.nextGaussian();
            final FMatrixRMaj x = new FMatrixRMaj(2 * in, in); // activations with a decaying spectrum: a full-rank Gram
            for (int j = 0; j < x.data.length; j++) x.data[j] = (float) (random.nextGaussian() / (1 + j % in));
            try {
                compressor.compress(w, CalibrationStats.of(x));
                compressed++;
            } catch (IllegalArgumentException e) {
                // a fixed k or rank larger than this shape allows: nothing to warm with it
            }
        }
        return compressed;
    }
}
