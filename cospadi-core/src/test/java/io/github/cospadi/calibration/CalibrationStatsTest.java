package io.github.cospadi.calibration;

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
