package io.github.cospadi;

import io.github.cospadi.common.Parallelism;

import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The GEMM-based functional error against its double-precision twin, on odd sizes and rank-deficient Grams. */
class ErrorsTest {

    static LongStream seeds() {
        return LongStream.range(0, 24);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void gemmFunctionalErrorEqualsTheDoubleTwin(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d1 = 1 + random.nextInt(70), d2 = 1 + random.nextInt(50);
        final FMatrixRMaj w = TestData.gaussian(d2, d1, random);
        final FMatrixRMaj approx = w.copy();
        final double noise = Math.pow(10, -1 - 4 * random.nextDouble()); // errors from 1e-1 down to 1e-5
        for (int i = 0; i < approx.data.length; i++) approx.data[i] += (float) (noise * TestData.gaussian(random));
        // fewer tokens than features for some seeds: a singular Gram
        final FMatrixRMaj x = TestData.activations(1 + random.nextInt(2 * d1), d1, random);
        final DMatrixRMaj gram = TestData.gram(x);
        final Parallelism par = seed % 2 == 0 ? Parallelism.sequential() : Parallelism.threads(2);
        final double exact = Errors.relativeFunctionalErrorExact(w, approx, gram, Parallelism.sequential());
        final double fast = Errors.relativeFunctionalError(w, approx, gram, par);
        assertEquals(exact, fast, 1e-4 * exact + 1e-9, "seed " + seed + " d1=" + d1 + " d2=" + d2);
    }
}
