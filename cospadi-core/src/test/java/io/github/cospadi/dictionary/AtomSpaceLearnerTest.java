package io.github.cospadi.dictionary;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.TestData;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link AtomSpaceLearner} (the fast OUTPUT schedule) against its slow twins: the unblocked sweep, the exact objective
 * from the factors, and the reference {@link OutputSpaceLearner}. Every message names the seed.
 */
class AtomSpaceLearnerTest {

    static LongStream seeds() {
        return LongStream.range(0, 12);
    }

    /** W (d2 × d1) with a decaying spectrum and a correlated, anisotropic Gram; d1 spans several blocks of 8. */
    private record Case(FMatrixRMaj w, DMatrixRMaj g, int k, int s) {
        static Case random(long seed) {
            final SplittableRandom random = new SplittableRandom(seed);
            final int d2 = 8 + random.nextInt(24), d1 = 10 + random.nextInt(50);
            final FMatrixRMaj left = TestData.gaussian(d2, d1, random);
            final FMatrixRMaj w = new FMatrixRMaj(d2, d1);
            for (int i = 0; i < d2; i++) for (int j = 0; j < d1; j++) w.data[i * d1 + j] = (float) (left.data[i * d1 + j] / (1 + 0.2 * i));
            final FMatrixRMaj x = TestData.activations(2 * d1 + random.nextInt(2 * d1), d1, random);
            final DMatrixRMaj g = TestData.gram(x);
            double mean = 0;
            for (int i = 0; i < d1; i++) mean += g.data[i * d1 + i];
            for (int i = 0; i < d1; i++) g.data[i * d1 + i] += 1e-6 * mean / d1;
            final int k = 2 + random.nextInt(Math.min(d2, d1) - 1), s = 1 + random.nextInt(k);
            return new Case(w, g, k, s);
        }
    }

    private static DictionaryLearner.Result fast(Case c, long seed, int iterations, int block, Parallelism parallelism) {
        return fast(c, seed, iterations, block, AtomSpaceLearner.OMP_CHEAP, parallelism);
    }

    private static DictionaryLearner.Result fast(Case c, long seed, int iterations, int block, long ompCheap, Parallelism parallelism) {
        return new AtomSpaceLearner(Initialization.SVD, iterations, 0, seed, AtomSpaceLearner.REFIT_STEPS, block, ompCheap,
                false, parallelism, ProgressListener.none()).learn(c.w, c.g, c.k, c.s);
    }

    /** With extrapolation; the learner is returned so a test can read its tracking offset. */
    private static AtomSpaceLearner extrapolating(long seed, int iterations, Parallelism parallelism) {
        return new AtomSpaceLearner(Initialization.SVD, iterations, 0, seed, AtomSpaceLearner.REFIT_STEPS, true, parallelism,
                ProgressListener.none());
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void extrapolationTracksTheExactObjective(long seed) {
        final Case c = Case.random(seed);
        final AtomSpaceLearner learner = extrapolating(seed, 15, Parallelism.sequential());
        final DictionaryLearner.Result r = learner.learn(c.w, c.g, c.k, c.s);
        final List<Double> h = r.objective();
        for (int t = 1; t < h.size(); t++) {
            assertTrue(h.get(t) <= h.get(t - 1), "seed " + seed + ": objective rose at iteration " + (t + 1) + ": " + h);
        }
        final double exact = objective(c, r);
        assertEquals(exact, h.get(h.size() - 1), 1e-4 * exact + 1e-9, "seed " + seed);
        // the changes of F it adds up (sweeps, MOD, extrapolations) agree with the exact F: a wrong ΔF would drift
        assertTrue(Math.abs(learner.lastTrackingOffset) < 1e-5, "seed " + seed + ": tracked F off by "
                + learner.lastTrackingOffset + " of ‖W‖²_G");
        final DictionaryLearner.Result two = extrapolating(seed, 15, Parallelism.threads(2)).learn(c.w, c.g, c.k, c.s);
        assertArrayEquals(r.codes().values(), two.codes().values(), "seed " + seed + ": threads");
        assertEquals(h, two.objective(), "seed " + seed + ": threads");
    }

    /** Over the seeds, extrapolation ends lower at the same iteration count (aggregate, as the step is a heuristic). */
    @org.junit.jupiter.api.Test
    void extrapolationLowersTheObjectiveOnAverage() {
        double logRatio = 0;
        int cases = 0;
        for (long seed = 100; seed < 124; seed++) {
            final Case c = Case.random(seed);
            final double plain = objective(c, fast(c, seed, 10, AtomSpaceLearner.BLOCK, Parallelism.sequential()));
            final double extrapolated = objective(c, extrapolating(seed, 10, Parallelism.sequential()).learn(c.w, c.g, c.k, c.s));
            if (plain < 1e-9) continue;
            logRatio += Math.log(extrapolated / plain);
            cases++;
        }
        assertTrue(logRatio / cases < 0, "geometric mean of extrapolated/plain objective " + Math.exp(logRatio / cases));
    }

    /** tr(E·G·Eᵀ), E = W − D·S, in double from the returned factors. */
    private static double objective(Case c, DictionaryLearner.Result r) {
        final int d2 = c.w.numRows, d1 = c.w.numCols;
        final FMatrixRMaj s = r.codes().toDense();
        final double[] e = new double[d2 * d1];
        for (int row = 0; row < d2; row++) for (int j = 0; j < d1; j++) {
            double acc = c.w.data[row * d1 + j];
            for (int a = 0; a < c.k; a++) acc -= (double) r.dictionary().get(row, a) * s.get(a, j);
            e[row * d1 + j] = acc;
        }
        double f = 0;
        for (int row = 0; row < d2; row++) {
            for (int i = 0; i < d1; i++) {
                double acc = 0;
                for (int j = 0; j < d1; j++) acc += c.g.data[i * d1 + j] * e[row * d1 + j];
                f += e[row * d1 + i] * acc;
            }
        }
        return f;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void objectiveNeverIncreasesAndEndsAtTheExactValue(long seed) {
        final Case c = Case.random(seed);
        final DictionaryLearner.Result r = fast(c, seed, 12, 8, Parallelism.sequential());
        final List<Double> h = r.objective();
        assertEquals(12, h.size(), "seed " + seed);
        for (int t = 1; t < h.size(); t++) {
            assertTrue(h.get(t) <= h.get(t - 1), "seed " + seed + ": objective rose at iteration " + (t + 1) + ": " + h);
        }
        final double exact = objective(c, r);
        assertEquals(exact, h.get(h.size() - 1), 1e-4 * exact + 1e-9, "seed " + seed);
        assertEquals(c.s, r.codes().nonzerosPerColumn(), "seed " + seed);
        for (int a = 0; a < c.k; a++) {
            double norm = 0;
            for (int row = 0; row < c.w.numRows; row++) norm += Math.pow(r.dictionary().get(row, a), 2);
            assertEquals(1, norm, 1e-5, "seed " + seed + ": atom " + a + " is not unit");
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void blockedSweepMatchesTheUnblockedOne(long seed) {
        final Case c = Case.random(seed);
        for (long omp : new long[]{0, Long.MAX_VALUE}) {
            final double blocked = fast(c, seed, 1, 8, omp, Parallelism.sequential()).objective().get(0);
            final double unblocked = fast(c, seed, 1, 1, omp, Parallelism.sequential()).objective().get(0);
            assertEquals(unblocked, blocked, 1e-4 * unblocked + 1e-9, "seed " + seed + ", ompCheap " + omp);
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void resultDoesNotDependOnTheThreads(long seed) {
        final Case c = Case.random(seed);
        final DictionaryLearner.Result one = fast(c, seed, 5, 8, 0, Parallelism.sequential());
        final DictionaryLearner.Result two = fast(c, seed, 5, 8, 0, Parallelism.threads(2));
        assertArrayEquals(one.dictionary().data, two.dictionary().data, "seed " + seed);
        assertArrayEquals(one.codes().rowIndices(), two.codes().rowIndices(), "seed " + seed);
        assertArrayEquals(one.codes().values(), two.codes().values(), "seed " + seed);
        assertEquals(one.objective(), two.objective(), "seed " + seed);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void closeToTheReferenceLearner(long seed) {
        final Case c = Case.random(seed);
        final List<Double> referenceHistory = new OutputSpaceLearner(LearningOptions.defaults().withInitialization(Initialization.SVD).withIterations(20).withTolerance(0).withSeed(seed).withParallelism(Parallelism.sequential()).withProgress(ProgressListener.none()))
                .learn(c.w, c.g, c.k, c.s).objective();
        final List<Double> fastHistory = fast(c, seed, 20, AtomSpaceLearner.BLOCK, Parallelism.sequential()).objective();
        final List<Double> thresholdHistory = fast(c, seed, 20, AtomSpaceLearner.BLOCK, 0, Parallelism.sequential()).objective();
        final double reference = referenceHistory.get(referenceHistory.size() - 1), fast = fastHistory.get(fastHistory.size() - 1);
        double energy = 0; // tr(W·G·Wᵀ): the scale of F
        final int d1 = c.w.numCols;
        for (int row = 0; row < c.w.numRows; row++) for (int i = 0; i < d1; i++) for (int j = 0; j < d1; j++) {
            energy += c.w.data[row * d1 + i] * c.g.data[i * d1 + j] * c.w.data[row * d1 + j];
        }
        final String name = "seed " + seed + " (" + c.w.numRows + "x" + c.w.numCols + ", k=" + c.k + ", s=" + c.s + "): ";
        assertTrue(fast <= 1.01 * reference + 1e-4 * energy, name + "fast " + fast + " against reference " + reference);
        // the threshold coder alone, in the dense regime it is made for (s ≥ k/3)
        final double threshold = thresholdHistory.get(thresholdHistory.size() - 1);
        if (3 * c.s >= c.k) {
            assertTrue(threshold <= 1.25 * reference + 1e-3 * energy, name + "threshold coder " + threshold + " against reference " + reference);
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void refusesMoreAtomsThanOutputFeatures(long seed) {
        final Case c = Case.random(seed);
        final int d2 = c.w.numRows;
        assertFalse(AtomSpaceLearner.applies(d2, d2 + 1));
        assertTrue(AtomSpaceLearner.applies(d2, d2));
        TestData.assertMessage(() -> new AtomSpaceLearner(Initialization.SVD, 1, 0, seed, 2, Parallelism.sequential(),
                ProgressListener.none()).learn(c.w, c.g, d2 + 1, 1), "use OutputSpaceLearner");
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void compensationFactorMatchesTheReferenceOne(long seed) {
        final Case c = Case.random(seed);
        final int n = c.g.numRows;
        final double[] fast = AtomSpaceLearner.compensationFactor(c.g, Parallelism.sequential());
        final double[] reference = OutputSpaceLearner.compensationFactor(c.g, Parallelism.sequential());
        double scale = 0;
        for (double v : reference) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < n * n; i++) {
            assertEquals(reference[i], fast[i], 1e-9 * scale, "seed " + seed + ": U[" + i / n + ", " + i % n + "]");
        }
    }

    /** With OMP as its coder the atom-space machinery is the reference algorithm: the same objective, iteration by iteration. */
    @ParameterizedTest
    @MethodSource("seeds")
    void withOmpItIsTheReferenceAlgorithm(long seed) {
        final Case c = Case.random(seed);
        final List<Double> reference = new OutputSpaceLearner(LearningOptions.defaults().withInitialization(Initialization.SVD).withIterations(6).withTolerance(0).withSeed(seed).withParallelism(Parallelism.sequential()).withProgress(ProgressListener.none()))
                .learn(c.w, c.g, c.k, c.s).objective();
        final List<Double> fast = fast(c, seed, 6, 8, Long.MAX_VALUE, Parallelism.sequential()).objective();
        if (reference.size() < 6) return; // the reference stops at an exact fit
        for (int t = 0; t < 6; t++) {
            assertEquals(reference.get(t), fast.get(t), 1e-4 * reference.get(t) + 1e-6 * reference.get(0),
                    "seed " + seed + ": iteration " + (t + 1) + ": " + reference + " against " + fast);
        }
    }
}
