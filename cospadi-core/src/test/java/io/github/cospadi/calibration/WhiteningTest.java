package io.github.cospadi.calibration;

import io.github.cospadi.common.CompressionException;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

class WhiteningTest {

    static LongStream seeds() {
        return LongStream.range(0, 25);
    }

    /** LᵀL = G + δI with L upper triangular, whether or not G is singular (fewer tokens than features). */
    @ParameterizedTest
    @MethodSource("seeds")
    void factorReproducesTheShiftedGram(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = 2 + random.nextInt(30);
        final int tokens = 1 + random.nextInt(2 * d); // often rank-deficient
        final FMatrixRMaj x = TestData.gaussian(tokens, d, random);
        if (random.nextBoolean()) for (int t = 0; t < tokens; t++) x.data[t * d] = 0; // a dead channel
        final CalibrationStats stats = CalibrationStats.of(x);
        final WhiteningFactor f = Whitening.cholesky().factor(stats);
        final DMatrixRMaj l = f.factor();
        for (int i = 0; i < d; i++) for (int j = 0; j < i; j++) assertEquals(0, l.get(i, j), "seed " + seed);
        final DMatrixRMaj ltl = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(l, l, ltl);
        final DMatrixRMaj g = stats.gram();
        double scale = 0;
        for (int i = 0; i < d; i++) scale = Math.max(scale, g.get(i, i));
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                final double expected = g.get(i, j) + (i == j ? f.shift() : 0);
                assertEquals(expected, ltl.get(i, j), 1e-9 * scale, "seed " + seed + " at " + i + "," + j);
            }
        }
        final boolean singular = tokens < d || x.data[0] == 0;
        if (singular) assertTrue(f.shift() > 0, "seed " + seed + ": singular Gram must be shifted");
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void unwhitenInvertsTheFactor(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = 1 + random.nextInt(25), k = 1 + random.nextInt(10);
        final WhiteningFactor f = Whitening.cholesky().factor(CalibrationStats.of(TestData.activations(3 * d, d, random)));
        final FMatrixRMaj dl = TestData.gaussian(d, k, random);
        final FMatrixRMaj back = f.unwhiten(dl, Parallelism.sequential());
        // L·back must equal dl: whiten expects W (k × d), i.e. backᵀ
        final FMatrixRMaj backT = new FMatrixRMaj(k, d);
        org.ejml.dense.row.CommonOps_FDRM.transpose(back, backT);
        final FMatrixRMaj again = f.whiten(backT, Parallelism.sequential());
        for (int i = 0; i < dl.data.length; i++) assertEquals(dl.data[i], again.data[i], 2e-3 * (1 + Math.abs(dl.data[i])), "seed " + seed);
    }

    @Test
    void identityWhiteningIsTheTranspose() {
        final FMatrixRMaj w = new FMatrixRMaj(new float[][]{{1, 2, 3}, {4, 5, 6}});
        final WhiteningFactor f = Whitening.identity().factor(CalibrationStats.of(new FMatrixRMaj(1, 3)));
        assertTrue(f.isIdentity());
        final FMatrixRMaj wl = f.whiten(w, Parallelism.sequential());
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, wl.data);
    }

    @Test
    void zeroCalibrationIsReported() {
        final CalibrationStats zero = CalibrationStats.of(new FMatrixRMaj(5, 4));
        final CompressionException e = assertThrows(CompressionException.class, () -> Whitening.cholesky().factor(zero));
        assertTrue(e.getMessage().contains("all zero"), e.getMessage());
    }
}
