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
