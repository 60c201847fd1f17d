package io.github.cospadi.dictionary;

import io.github.cospadi.TestData;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

class DictionaryLearnerTest {

    static LongStream seeds() {
        return LongStream.range(0, 16);
    }

    private static DictionaryLearner learner(long seed, Initialization init, DictionaryUpdate update) {
        return new DictionaryLearner(LearningOptions.defaults().withUpdate(update).withInitialization(init).withIterations(8)
                .withPowerIterations(4).withPowerTolerance(0).withSeed(seed));
    }

    /** Learning a tall target (m > n) in its column space gives the same objective as learning it directly. */
    @ParameterizedTest
    @MethodSource("seeds")
    void columnSpaceReductionIsExact(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int n = 4 + random.nextInt(16), m = n + 1 + random.nextInt(40);
        final int k = 1 + random.nextInt(n), s = 1 + random.nextInt(k);
        final FMatrixRMaj y = TestData.gaussian(m, n, random);
        for (DictionaryUpdate update : DictionaryUpdate.values()) {
            final DictionaryLearner l = learner(seed, Initialization.SVD, update);
            final DictionaryLearner.Result reduced = l.learn(y, k, s);
            final DictionaryLearner.Result direct = l.learnDirect(y, k, s);
            final List<Double> a = reduced.objective(), b = direct.objective();
            final double scale = a.get(0) + 1e-12;
            // greedy coding may break near-ties differently after rounding; the end points must agree closely
            assertEquals(b.get(0), a.get(0), 1e-4 * scale + 1e-9, "seed " + seed + " " + update + " first iteration");
            assertEquals(b.get(b.size() - 1), a.get(a.size() - 1), 0.05 * scale + 1e-9, "seed " + seed + " " + update + " last");
            // and the returned D·S must reproduce the reported objective in the original space
            assertEquals(a.get(a.size() - 1), residual(y, reduced), 1e-3 * scale + 1e-6, "seed " + seed + " " + update);
            assertEquals(m, reduced.dictionary().numRows);
        }
    }

    /** The fast schedule with or without extrapolation. */
    private static DictionaryLearner fastLearner(long seed, int iterations, boolean extrapolation, io.github.cospadi.common.Parallelism parallelism) {
        return new DictionaryLearner(LearningOptions.defaults().withCodingWarmup(0).withAdaptiveInterval().withRefreshSteps(2)
                .withPowerIterations(1).withIterations(iterations).withExtrapolation(extrapolation).withSeed(seed)
                .withParallelism(parallelism));
    }

    /** A target of a few strong directions plus noise, wider than tall (no column-space reduction), k < m. */
    private static FMatrixRMaj target(SplittableRandom random, int m, int n) {
        final FMatrixRMaj a = TestData.gaussian(m, 3, random), b = TestData.gaussian(3, n, random), y = TestData.gaussian(m, n, random);
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            double v = 0.3 * y.get(i, j);
            for (int q = 0; q < 3; q++) v += a.get(i, q) * b.get(q, j);
            y.set(i, j, (float) v);
        }
        return y;
    }

    /** With extrapolation the history never rises, the returned factors give the reported objective, threads do not matter. */
    @ParameterizedTest
    @MethodSource("seeds")
    void extrapolationKeepsTheObjectiveExactAndMonotone(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 6 + random.nextInt(20), n = m + random.nextInt(60);
        final int k = 2 + random.nextInt(m - 1), s = 1 + random.nextInt(k);
        final FMatrixRMaj y = target(random, m, n);
        final DictionaryLearner.Result r = fastLearner(seed, 12, true, io.github.cospadi.common.Parallelism.sequential()).learn(y, k, s);
        final List<Double> h = r.objective();
        for (int t = 1; t < h.size(); t++) {
            // (up to float rounding: the residual is kept in float, updated in place or recomputed)
            assertTrue(h.get(t) <= h.get(t - 1) * (1 + 1e-6), "seed " + seed + ": objective rose at iteration " + (t + 1) + ": " + h);
        }
        final double last = h.get(h.size() - 1);
        assertEquals(residual(y, r), last, 1e-4 * h.get(0) + 1e-9, "seed " + seed);
        final DictionaryLearner.Result two = fastLearner(seed, 12, true, io.github.cospadi.common.Parallelism.threads(2)).learn(y, k, s);
        assertEquals(h, two.objective(), "seed " + seed + ": threads");
        assertArrayEquals(r.codes().values(), two.codes().values(), "seed " + seed + ": threads");
    }

    /** Over the seeds, extrapolation ends lower at the same iteration count (aggregate, as the step is a heuristic). */
    @org.junit.jupiter.api.Test
    void extrapolationLowersTheObjectiveOnAverage() {
        double logRatio = 0;
        int cases = 0;
        for (long seed = 100; seed < 124; seed++) {
            final SplittableRandom random = new SplittableRandom(seed);
            final int m = 12 + random.nextInt(20), n = 2 * m + random.nextInt(60);
            final int k = m / 2 + random.nextInt(m / 2), s = Math.max(1, k / 2);
            final FMatrixRMaj y = target(random, m, n);
            final List<Double> plain = fastLearner(seed, 10, false, io.github.cospadi.common.Parallelism.sequential()).learn(y, k, s).objective();
            final List<Double> extrapolated = fastLearner(seed, 10, true, io.github.cospadi.common.Parallelism.sequential()).learn(y, k, s).objective();
            logRatio += Math.log(extrapolated.get(extrapolated.size() - 1) / plain.get(plain.size() - 1));
            cases++;
        }
        assertTrue(logRatio / cases < 0, "geometric mean of extrapolated/plain objective " + Math.exp(logRatio / cases));
    }

    static double residual(FMatrixRMaj y, DictionaryLearner.Result r) {
        final FMatrixRMaj d = r.dictionary();
        final FMatrixRMaj s = r.codes().toDense();
        double sum = 0;
        for (int i = 0; i < y.numRows; i++) {
            for (int j = 0; j < y.numCols; j++) {
                double v = y.get(i, j);
                for (int a = 0; a < d.numCols; a++) v -= d.get(i, a) * s.get(a, j);
                sum += v * v;
            }
        }
        return sum;
    }
}
