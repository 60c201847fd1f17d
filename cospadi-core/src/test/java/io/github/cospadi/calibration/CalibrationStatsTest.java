package io.github.cospadi.calibration;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

class CalibrationStatsTest {

    static LongStream seeds() {
        return LongStream.range(0, 20);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void batchesAndMergesEqualTheExplicitGram(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = 1 + random.nextInt(40), n1 = 1 + random.nextInt(30), n2 = 1 + random.nextInt(30);
        final FMatrixRMaj x1 = TestData.gaussian(n1, d, random), x2 = TestData.gaussian(n2, d, random);
        final CalibrationStats a = CalibrationStats.of(x1), b = CalibrationStats.of(x2);
        final CalibrationStats merged = a.merge(b);
        final CalibrationStats streamed = CalibrationStats.accumulator(d).add(x1).add(x2).build();
        final DMatrixRMaj expected = TestData.gram(x1);
        final DMatrixRMaj g2 = TestData.gram(x2);
        for (int i = 0; i < expected.data.length; i++) expected.data[i] += g2.data[i];
        for (int i = 0; i < expected.data.length; i++) {
            assertEquals(expected.data[i], merged.gramView().data[i], 1e-9 * (1 + Math.abs(expected.data[i])), "seed " + seed);
            assertEquals(expected.data[i], streamed.gramView().data[i], 1e-9 * (1 + Math.abs(expected.data[i])), "seed " + seed);
        }
        assertEquals(n1 + n2, merged.tokens());
        assertEquals(n1 + n2, streamed.tokens());
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theGramIsBitIdenticalForEveryThreadCountAndBatchingAndToThePreviousAccumulator(long seed) {
        final SplittableRandom random = new SplittableRandom(500 + seed);
        // large enough that the rows of G are really split between threads (tokens·d²/2 ≥ 2^20 multiply-adds)
        final int d = 100 + random.nextInt(100), n = 260 + random.nextInt(260);
        final FMatrixRMaj x = TestData.gaussian(n, d, random);
        final double[] expected = previousAccumulator(x);
        for (int threads : new int[]{1, 2, 3}) {
            final CalibrationStats.Accumulator acc = CalibrationStats.accumulator(d, Parallelism.threads(threads));
            int t0 = 0;
            while (t0 < n) { // random batch cuts, the float[] overload with an offset
                final int count = Math.min(n - t0, random.nextInt(n / 2 + 1));
                acc.add(x.data, t0 * d, count);
                t0 += count;
            }
            final DMatrixRMaj g = acc.build().gramView();
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    if (Double.compare(expected[i * d + j], g.data[i * d + j]) != 0) {
                        fail("seed " + seed + " (d=" + d + ", tokens=" + n + ", threads " + threads + "): G(" + i + "," + j + ") = "
                                + g.data[i * d + j] + " but the previous accumulator gives " + expected[i * d + j]);
                    }
                }
            }
            assertEquals(n, acc.tokens(), "seed " + seed);
        }
    }

    /**
     * The accumulator before the SYRK kernel: G_ij += x_i·x_j in double, token by token, multiply then add. The product of
     * two floats is exact in double, so an fma chain over the same tokens in the same order rounds identically.
     */
    private static double[] previousAccumulator(FMatrixRMaj x) {
        final int d = x.numCols;
        final double[] g = new double[d * d];
        for (int t = 0; t < x.numRows; t++) {
            for (int i = 0; i < d; i++) {
                final double xi = x.data[t * d + i];
                for (int j = 0; j <= i; j++) g[i * d + j] += xi * (double) x.data[t * d + j];
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) g[i * d + j] = g[j * d + i];
        }
        return g;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void rowBlocksCoverTheTriangleInNearlyEqualShares(long seed) {
        final SplittableRandom random = new SplittableRandom(900 + seed);
        final int d = seed < 3 ? 1 + (int) seed : 1 + random.nextInt(3000), blocks = 1 + random.nextInt(16);
        final int[] b = CalibrationStats.Accumulator.rowBlocks(d, blocks);
        assertEquals(0, b[0], "seed " + seed);
        assertEquals(d, b[b.length - 1], "seed " + seed);
        assertTrue(b.length - 1 <= blocks, "seed " + seed);
        final double total = (double) d * (d + 1) / 2;
        for (int q = 0; q + 1 < b.length; q++) {
            assertTrue(b[q] < b[q + 1], "seed " + seed + ": boundaries not increasing at " + q);
            if (q + 1 < b.length - 1) assertEquals(0, b[q + 1] % 8, "seed " + seed + ": boundary " + b[q + 1] + " not a tile multiple");
            // entries of rows [b_q, b_q+1): at most a share plus the 8-row rounding of both ends
            final double entries = ((double) b[q + 1] * (b[q + 1] + 1) - (double) b[q] * (b[q] + 1)) / 2;
            assertTrue(entries <= total / blocks + 8.0 * d, "seed " + seed + ": block " + q + " holds " + entries + " of " + total);
        }
    }

    @Test
    void rejectsBadGramsAndEmptyCalibration() {
        final DMatrixRMaj asym = new DMatrixRMaj(new double[][]{{2, 1}, {0.5, 2}});
        assertMessage(() -> CalibrationStats.ofGram(asym, 10), "gram is not symmetric: G(1,0)=0.5 but G(0,1)=1.0");
        assertMessage(() -> CalibrationStats.ofGram(new DMatrixRMaj(2, 3), 10), "gram must be square, got 2x3");
        final DMatrixRMaj nan = new DMatrixRMaj(new double[][]{{1, 0}, {0, Double.NaN}});
        assertMessage(() -> CalibrationStats.ofGram(nan, 10), "non-finite entry NaN at (1, 1)");
        assertMessage(() -> CalibrationStats.ofGram(new DMatrixRMaj(2, 2), 0), "empty calibration");
        assertMessage(() -> CalibrationStats.accumulator(3).build(), "empty calibration");
        final FMatrixRMaj inf = new FMatrixRMaj(2, 3);
        inf.data[4] = Float.POSITIVE_INFINITY;
        assertMessage(() -> CalibrationStats.of(inf), "batch has a non-finite entry Infinity at (1, 1)");
        assertMessage(() -> CalibrationStats.accumulator(3).add(new FMatrixRMaj(2, 4)), "batch has 4 columns, expected inFeatures=3");
    }

    /** The float-array door (issue 11): a NaN or infinity is named by token row and feature, and nothing is added. */
    @Test
    void rawRowsAreCheckedAtTheDoor() {
        final CalibrationStats.Accumulator acc = CalibrationStats.accumulator(3);
        final float[] rows = {9, 1, 2, 3, 4, 5, Float.NaN, 7, 8};
        assertMessage(() -> acc.add(rows, 1, 2), "rows has a non-finite entry NaN at (1, 2)");
        assertMessage(() -> acc.add(rows, 1, 2), "token (row) 1, feature 2 of 2 tokens x 3 features");
        rows[6] = Float.NEGATIVE_INFINITY;
        assertMessage(() -> acc.add(rows, 1, 2), "-Infinity");
        assertEquals(0, acc.tokens(), "a rejected batch must add nothing");
        assertMessage(() -> acc.add(rows, 4, 2), "2 tokens of inFeatures=3 from offset 4 do not fit in an array of 9 values");
        assertMessage(() -> acc.add(rows, -1, 1), "from offset -1");
        assertMessage(() -> acc.add(rows, 0, -1), "-1 tokens");
        rows[6] = 6;
        acc.add(rows, 1, 2); // two rows of 3 from offset 1: the values before and after are ignored
        final FMatrixRMaj x = new FMatrixRMaj(new float[][]{{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(CalibrationStats.of(x).gramView().data, acc.build().gramView().data, 1e-12);
    }
}
