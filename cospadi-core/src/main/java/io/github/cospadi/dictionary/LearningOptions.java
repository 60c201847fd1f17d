package io.github.cospadi.dictionary;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.internal.Checks;

import java.util.Objects;

/**
 * How a {@link Learner} learns (docs/design.md §5): the alternation's schedule, the coder, the dictionary update, the
 * initialization, the random seed, the threads and the progress listener. One immutable, validated record for every
 * learner; each reads the options that apply to it (the OUTPUT learner of §5.6 codes with its own Gauss–Seidel OMP and
 * reads only the initialization, iterations, tolerance, seed, parallelism and progress). Start from {@link #defaults()}
 * and change options with the {@code with…} methods.
 *
 * @param coder            the sparse coder of the coding step (default {@link SparseCoder#omp()})
 * @param update           K-SVD (default) or MOD
 * @param initialization   SVD (default) or RANDOM_COLUMNS
 * @param iterations       T ≥ 1 alternations (default 60)
 * @param tolerance        stop when one iteration improves the objective by less than this fraction, in [0, 1)
 *                         (default 0: never)
 * @param powerIterations  power steps per K-SVD atom update, ≥ 1 (default 8)
 * @param powerTolerance   end an atom's power iteration once 1 − cos(u_new, u_old) is below this, in [0, 1)
 *                         (default 1e-6; 0 runs every step)
 * @param codingInterval   after the first {@code codingWarmup} iterations, run the coder only every this many
 *                         iterations, ≥ 1 (default 1: every iteration, the reference; {@link Integer#MAX_VALUE}:
 *                         never); the others refit the dictionary and the values on fixed supports
 * @param adaptiveInterval when true, {@code codingInterval} is ignored and the interval depends on the budget: OMP
 *                         every {@link #FAST_OMP_INTERVAL}th iteration when a pass is cheap, else never
 *                         ({@link #codingInterval(int, int)}; the fast schedule)
 * @param codingWarmup     iterations (≥ 0) that always run the coder (default {@link DictionaryLearner#CODING_WARMUP});
 *                         with 0 and refresh steps the first codes come from thresholding the correlations
 * @param refreshSteps     on iterations that skip the coder, this many warm hard-thresholding steps
 *                         ({@link SparseCoder#refresh}) move the supports first, ≥ 0 (default 0)
 * @param extrapolation    after each iteration, try the point past it along the last step (dictionary and values on
 *                         the new supports), with an adaptive step kept only when it lowers the objective
 *                         (docs/design.md §5, item 4; default false, true in the fast schedule)
 * @param seed             seed of every random choice (default 42)
 * @param parallelism      threads (default sequential; results do not depend on it)
 * @param progress         listener of the iterations, which may cancel (default none)
 */
public record LearningOptions(SparseCoder coder, DictionaryUpdate update, Initialization initialization, int iterations,
                              double tolerance, int powerIterations, double powerTolerance, int codingInterval,
                              boolean adaptiveInterval, int codingWarmup, int refreshSteps, boolean extrapolation,
                              long seed, Parallelism parallelism, ProgressListener progress) {
    /** With {@link #adaptiveInterval}: OMP every this many iterations when a pass is cheap. */
    public static final int FAST_OMP_INTERVAL = 10;
    /** With {@link #adaptiveInterval}: an OMP pass counts as cheap up to this many times the cost of a refresh pass. */
    public static final double FAST_OMP_COST = 10;

    private static final LearningOptions DEFAULTS = new LearningOptions(SparseCoder.omp(), DictionaryUpdate.KSVD,
            Initialization.SVD, 60, 0, 8, 1e-6, 1, false, DictionaryLearner.CODING_WARMUP, 0, false, 42,
            Parallelism.sequential(), ProgressListener.none());

    /** Validates every option; the messages name the option and the value. */
    public LearningOptions {
        Objects.requireNonNull(coder, "coder");
        Objects.requireNonNull(update, "update");
        Objects.requireNonNull(initialization, "initialization");
        Checks.positive("iterations", iterations);
        if (!(tolerance >= 0 && tolerance < 1)) throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
        Checks.positive("powerIterations", powerIterations);
        if (!(powerTolerance >= 0 && powerTolerance < 1)) {
            throw new IllegalArgumentException("powerTolerance must be in [0, 1), got " + powerTolerance);
        }
        Checks.positive("codingInterval", codingInterval);
        if (codingWarmup < 0) throw new IllegalArgumentException("codingWarmup must be >= 0, got " + codingWarmup);
        if (refreshSteps < 0) throw new IllegalArgumentException("refreshSteps must be >= 0, got " + refreshSteps);
        Objects.requireNonNull(parallelism, "parallelism");
        Objects.requireNonNull(progress, "progress");
    }

    /** The reference schedule: OMP in every one of 60 iterations, K-SVD with 8 power steps, SVD initialization, seed 42. */
    public static LearningOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The coding interval for a budget of k atoms and s nonzeros: {@link #codingInterval()}, or with
     * {@link #adaptiveInterval()} {@link #FAST_OMP_INTERVAL} when an OMP pass is cheap — k·s²/2 (OMP per column) at
     * most {@link #FAST_OMP_COST} times 3k² (two refresh steps per column) — else {@link Integer#MAX_VALUE} (never).
     */
    public int codingInterval(int k, int s) {
        if (!adaptiveInterval) return codingInterval;
        return (double) s * s / (6.0 * k) <= FAST_OMP_COST ? FAST_OMP_INTERVAL : Integer.MAX_VALUE;
    }

    /**
     * The coder as the schedule uses it for a budget of k atoms and s nonzeros, for reports: "omp", "omp+refresh2", or
     * "refresh2" when the full coder never runs.
     */
    public String coderName(int k, int s) {
        if (refreshSteps == 0) return coder.name();
        final boolean fullCoderRuns = codingWarmup > 0 || codingInterval(k, s) < iterations;
        return (fullCoderRuns ? coder.name() + "+" : "") + "refresh" + refreshSteps;
    }

    public LearningOptions withCoder(SparseCoder coder) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withUpdate(DictionaryUpdate update) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withInitialization(Initialization initialization) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withIterations(int iterations) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withTolerance(double tolerance) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withPowerIterations(int powerIterations) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withPowerTolerance(double powerTolerance) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    /** A fixed coding interval (and no adaptive one). */
    public LearningOptions withCodingInterval(int codingInterval) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, false, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    /** The budget-dependent interval of the fast schedule ({@link #codingInterval(int, int)}). */
    public LearningOptions withAdaptiveInterval() {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                Integer.MAX_VALUE, true, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withCodingWarmup(int codingWarmup) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withRefreshSteps(int refreshSteps) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    /** Whether each iteration tries an extrapolated point (see {@link #extrapolation()}). */
    public LearningOptions withExtrapolation(boolean extrapolation) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withSeed(long seed) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withParallelism(Parallelism parallelism) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }

    public LearningOptions withProgress(ProgressListener progress) {
        return new LearningOptions(coder, update, initialization, iterations, tolerance, powerIterations, powerTolerance,
                codingInterval, adaptiveInterval, codingWarmup, refreshSteps, extrapolation, seed, parallelism, progress);
    }
}
