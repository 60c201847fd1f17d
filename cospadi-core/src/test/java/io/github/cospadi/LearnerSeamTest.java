package io.github.cospadi;

import io.github.cospadi.common.Parallelism;

import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.calibration.Whitening;
import io.github.cospadi.dictionary.DictionaryLearner;
import io.github.cospadi.dictionary.DictionaryUpdate;
import io.github.cospadi.dictionary.LearnedFactors;
import io.github.cospadi.dictionary.Learner;
import io.github.cospadi.dictionary.LearningOptions;
import io.github.cospadi.dictionary.LearningProblem;
import io.github.cospadi.dictionary.OutputSpaceLearner;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The learner seam: a {@link LearningProblem} of several weights that share their inputs (what a grouped learner and
 * Basis Sharing work on), the learners on it, and the options record. Messages name the seed.
 */
class LearnerSeamTest {

    static LongStream seeds() {
        return LongStream.range(0, 8);
    }

    /** 1–3 weights of the same inFeatures with the statistics of one set of activations. */
    private record Group(List<FMatrixRMaj> weights, CalibrationStats stats) {}

    private static Group group(SplittableRandom random, int members) {
        final int d1 = 12 + random.nextInt(20);
        final List<FMatrixRMaj> weights = new ArrayList<>();
        for (int i = 0; i < members; i++) weights.add(TestData.gaussian(6 + random.nextInt(20), d1, random));
        return new Group(weights, CalibrationStats.of(TestData.activations(3 * d1, d1, random)));
    }

    /** Σ_i tr(Δ_i (G + δI) Δ_iᵀ), Δ_i = W_i − (D·S_i)ᵀ: the whitened objective, from the factors in weight space. */
    private static double objective(LearningProblem p, LearnedFactors f) {
        final DMatrixRMaj g = p.gram();
        final int d1 = p.inFeatures();
        final FMatrixRMaj d = f.dictionary();
        double sum = 0;
        for (int i = 0; i < p.members(); i++) {
            final FMatrixRMaj w = p.weight(i), s = f.codes().get(i).toDense();
            for (int j = 0; j < w.numRows; j++) {
                final double[] delta = new double[d1];
                for (int r = 0; r < d1; r++) {
                    double v = w.get(j, r);
                    for (int a = 0; a < d.numCols; a++) v -= (double) d.get(r, a) * s.get(a, j);
                    delta[r] = v;
                }
                for (int r = 0; r < d1; r++) for (int c = 0; c < d1; c++) sum += delta[r] * g.get(r, c) * delta[c];
            }
        }
        return sum;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aGroupSharesOneDictionaryAndEachMemberKeepsItsCodes(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Group g = group(random, 2 + random.nextInt(2));
        final LearningProblem p = LearningProblem.of(g.weights(), g.stats(), Whitening.cholesky(), Parallelism.sequential());
        final int k = 3 + random.nextInt(p.inFeatures() / 2), s = 1 + random.nextInt(k);
        final LearningOptions options = LearningOptions.defaults().withIterations(6).withSeed(seed)
                .withUpdate(seed % 2 == 0 ? DictionaryUpdate.KSVD : DictionaryUpdate.MOD);
        for (Learner learner : new Learner[]{new DictionaryLearner(options), LowRankLearner.INSTANCE}) {
            final int atoms = learner instanceof LowRankLearner ? Math.min(k, p.inFeatures()) : k;
            final LearnedFactors f = learner.learn(p, atoms, learner instanceof LowRankLearner ? atoms : s);
            final String what = "seed " + seed + " " + f.coder();
            assertEquals(p.inFeatures(), f.dictionary().numRows, what);
            assertEquals(atoms, f.dictionary().numCols, what);
            assertEquals(p.members(), f.codes().size(), what);
            for (int i = 0; i < p.members(); i++) {
                assertEquals(p.weight(i).numRows, f.codes().get(i).numCols(), what + " member " + i);
                assertEquals(atoms, f.codes().get(i).numRows(), what + " member " + i);
            }
            final double last = f.objective().get(f.objective().size() - 1);
            assertEquals(last, objective(p, f), 1e-3 * last + 1e-6, what + ": the objective is the members' sum");
        }
    }

    /** A group of one is the single-weight problem: the same bits. */
    @ParameterizedTest
    @MethodSource("seeds")
    void aGroupOfOneIsTheSingleWeight(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Group g = group(random, 1);
        final LearningOptions options = LearningOptions.defaults().withIterations(4).withSeed(seed);
        final LearnedFactors single = new DictionaryLearner(options).learn(
                LearningProblem.of(g.weights().get(0), g.stats(), Whitening.cholesky(), Parallelism.sequential()), 4, 2);
        final LearnedFactors listed = new DictionaryLearner(options).learn(
                LearningProblem.of(g.weights(), g.stats(), Whitening.cholesky(), Parallelism.threads(2)), 4, 2);
        assertArrayEquals(single.dictionary().data, listed.dictionary().data, "seed " + seed);
        final ColumnSparseMatrix a = single.codes().get(0), b = listed.codes().get(0);
        assertArrayEquals(a.rowIndices(), b.rowIndices(), "seed " + seed);
        assertArrayEquals(a.values(), b.values(), "seed " + seed);
        assertEquals(single.objective(), listed.objective(), "seed " + seed);
    }

    @Test
    void badProblemsAndOptionsAreRejectedNamingTheValue() {
        final SplittableRandom random = new SplittableRandom(3);
        final Group g = group(random, 2);
        final FMatrixRMaj narrow = TestData.gaussian(5, g.weights().get(0).numCols - 1, random);
        assertMessage(() -> LearningProblem.of(List.of(g.weights().get(0), narrow), g.stats(), Whitening.cholesky(),
                Parallelism.sequential()), "weights[1] is 5x");
        final FMatrixRMaj nan = g.weights().get(1).copy();
        nan.data[2] = Float.NaN;
        assertMessage(() -> LearningProblem.of(List.of(g.weights().get(0), nan), g.stats(), Whitening.cholesky(),
                Parallelism.sequential()), "weights[1] has a non-finite entry NaN at (0, 2)");
        assertMessage(() -> LearningProblem.of(List.of(), g.stats(), Whitening.cholesky(), Parallelism.sequential()), "weights is empty");
        final LearningProblem p = LearningProblem.of(g.weights(), g.stats(), Whitening.cholesky(), Parallelism.sequential());
        assertMessage(() -> new OutputSpaceLearner(LearningOptions.defaults()).learn(p, 2, 1), "takes one weight");
        assertMessage(() -> LowRankLearner.INSTANCE.learn(p, 3, 2), "must equal the rank");
        assertMessage(() -> LearningOptions.defaults().withIterations(0), "iterations must be positive, got 0");
        assertMessage(() -> LearningOptions.defaults().withTolerance(1), "tolerance must be in [0, 1), got 1.0");
        assertMessage(() -> LearningOptions.defaults().withRefreshSteps(-1), "refreshSteps must be >= 0, got -1");
        assertThrows(NullPointerException.class, () -> LearningOptions.defaults().withCoder(null));
    }

    /** The schedule as the options resolve it for a budget, and the coder name a report shows. */
    @Test
    void theFastScheduleResolvesItsIntervalFromTheBudget() {
        final LearningOptions fast = LearningOptions.defaults().withCodingWarmup(0).withAdaptiveInterval().withRefreshSteps(2);
        assertEquals(LearningOptions.FAST_OMP_INTERVAL, fast.codingInterval(207, 103)); // 103²/(6·207) = 8.5 ≤ 10
        assertEquals(Integer.MAX_VALUE, fast.codingInterval(1024, 512));                // 42.7 > 10: never
        assertEquals("omp+refresh2", fast.coderName(207, 103));
        assertEquals("refresh2", fast.coderName(1024, 512));
        assertEquals("omp", LearningOptions.defaults().coderName(1024, 512));
        assertEquals(3, fast.withCodingInterval(3).codingInterval(1024, 512));
    }
}
