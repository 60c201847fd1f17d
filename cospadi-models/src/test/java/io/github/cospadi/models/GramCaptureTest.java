package io.github.cospadi.models;

import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class GramCaptureTest {
    private static FMatrixRMaj random(int rows, int cols, SplittableRandom r) {
        final FMatrixRMaj m = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = (float) (r.nextDouble() - 0.5);
        return m;
    }

    /** Projections fed one activation matrix share its Gram; every pass is counted once per distinct input. */
    @Test
    void sharedInputsAreAccumulatedOnce() {
        final SplittableRandom r = new SplittableRandom(1);
        final FMatrixRMaj[] x = {random(5, 4, r), random(7, 4, r)}, y = {random(5, 3, r), random(7, 3, r)};
        final Map<String, CalibrationStats> stats = GramCapture.capture(sink -> {
            for (int p = 0; p < 2; p++) {
                sink.onInput("q", x[p]);
                sink.onInput("k", x[p]);
                sink.onInput("o", y[p]);
            }
        });
        final CalibrationStats expectedX = CalibrationStats.of(x[0]).merge(CalibrationStats.of(x[1]));
        assertEquals(12, stats.get("q").tokens());
        assertEquals(12, stats.get("k").tokens());
        assertEquals(12, stats.get("o").tokens());
        assertArrayEquals(expectedX.gramView().data, stats.get("q").gramView().data, 1e-9);
        assertArrayEquals(expectedX.gramView().data, stats.get("k").gramView().data, 1e-9);
        assertEquals(3, stats.get("o").inFeatures());
    }

    /** A NaN activation is rejected with the projection whose input it was, its token row and feature (issue 11). */
    @Test
    void nonFiniteActivationNamesTheProjection() {
        final FMatrixRMaj x = random(4, 3, new SplittableRandom(2));
        x.data[2 * 3 + 1] = Float.NaN;
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GramCapture.capture(sink -> sink.onInput("model.layers.7.mlp.down_proj", x)));
        assertTrue(e.getMessage().contains("model.layers.7.mlp.down_proj"), e.getMessage());
        assertTrue(e.getMessage().contains("token (row) 2, feature 1"), e.getMessage());
    }
}
