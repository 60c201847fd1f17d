package io.github.cospadi.dictionary;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** CholeskyQR2 against the Householder QR (its fallback and oracle) on tall matrices around the kernels' block sizes. */
class ColumnSpaceTest {

    @ParameterizedTest
    @CsvSource({"40, 7, 1", "300, 70, 2", "700, 129, 3", "1000, 200, 4"})
    void choleskyQr2IsAnOrthonormalBasisWithTheHouseholderCoordinates(int m, int n, long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final FMatrixRMaj y = TestData.gaussian(m, n, random);
        for (int j = 0; j < n; j++) for (int i = 0; i < m; i++) y.data[i * n + j] *= (float) Math.pow(10, -3.0 * j / n); // cond ~ 1e3
        for (Parallelism par : new Parallelism[]{Parallelism.sequential(), Parallelism.threads(2)}) {
            final ColumnSpace c = ColumnSpace.choleskyQr2(y, par);
            assertNotNull(c, "seed " + seed);
            final FMatrixRMaj q = c.basisView(), b = c.coordinates();
            final FMatrixRMaj qtq = new FMatrixRMaj(n, n), qb = new FMatrixRMaj(m, n);
            CommonOps_FDRM.multTransA(q, q, qtq);
            CommonOps_FDRM.mult(q, b, qb);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) assertEquals(i == j ? 1 : 0, qtq.get(i, j), 2e-5, "QᵀQ at " + i + "," + j + " seed " + seed);
                for (int j = 0; j < i; j++) assertEquals(0f, b.get(i, j), "B is upper triangular");
            }
            final double scale = CommonOps_FDRM.elementMaxAbs(y);
            for (int i = 0; i < m * n; i++) assertEquals(y.data[i], qb.data[i], 1e-5 * scale, "Q·B = Y at " + i + " seed " + seed);
            // R is unique up to the signs of its rows
            final FMatrixRMaj r = ColumnSpace.householder(y).coordinates();
            for (int i = 0; i < n * n; i++) assertEquals(Math.abs(r.data[i]), Math.abs(b.data[i]), 1e-4 * scale, "|R| at " + i);
        }
        assertArrayEquals(ColumnSpace.choleskyQr2(y, Parallelism.sequential()).coordinates().data,
                ColumnSpace.choleskyQr2(y, Parallelism.threads(2)).coordinates().data, "thread count changes nothing");
    }

    @Test
    void aRankDeficientTargetFallsBackToHouseholder() {
        final FMatrixRMaj y = TestData.gaussian(50, 6, new SplittableRandom(5));
        for (int i = 0; i < 50; i++) y.data[i * 6 + 4] = y.data[i * 6 + 1]; // two equal columns
        assertNull(ColumnSpace.choleskyQr2(y, Parallelism.sequential()));
        final ColumnSpace c = ColumnSpace.of(y, Parallelism.sequential());
        final FMatrixRMaj qb = new FMatrixRMaj(50, 6);
        CommonOps_FDRM.mult(c.basisView(), c.coordinates(), qb);
        for (int i = 0; i < qb.data.length; i++) assertEquals(y.data[i], qb.data[i], 1e-4, "Q·B = Y at " + i);
    }
}
