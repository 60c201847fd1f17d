package io.github.cospadi;

import io.github.cospadi.common.Orientation;

import io.github.cospadi.CompressorTest.Layer;
import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Compressor.Builder#autoByShape}: AUTO by the shape rule, and both ways only on square matrices. */
class AutoByShapeTest {

    static LongStream seeds() {
        return LongStream.range(0, 12);
    }

    private static Compressor.Builder quick(long seed) {
        return Compressor.builder().ratio(0.3).iterations(6).seed(seed).fast();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void nonSquareMatricesTakeTheOrientationOfTheirShapeOnly(long seed) {
        final Layer layer = Layer.random(new SplittableRandom(seed));
        final FMatrixRMaj w = layer.weight();
        if (w.numRows == w.numCols) return;
        final Orientation expected = w.numCols > w.numRows ? Orientation.OUTPUT : Orientation.INPUT;
        final CompressedMatrix auto = quick(seed).orientation(Orientation.AUTO).build().compress(w, layer.stats());
        final CompressedMatrix fixed = quick(seed).orientation(expected).build().compress(w, layer.stats());
        assertEquals(expected, auto.orientation(), "seed " + seed);
        assertFalse(auto.report().phaseSeconds().containsKey("other-orientation"), "seed " + seed);
        assertArrayEquals(fixed.dictionary().data, auto.dictionary().data, "seed " + seed);
        assertArrayEquals(fixed.codes().values(), auto.codes().values(), "seed " + seed);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void squareMatricesAreCompressedBothWays(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = 8 + random.nextInt(16);
        final FMatrixRMaj w = TestData.gaussian(d, d, random);
        final CalibrationStats stats = CalibrationStats.of(TestData.activations(3 * d, d, random));
        final CompressedMatrix byShape = quick(seed).orientation(Orientation.AUTO).build().compress(w, stats);
        final CompressedMatrix both = quick(seed).orientation(Orientation.AUTO).autoByShape(false).build().compress(w, stats);
        assertEquals(both.orientation(), byShape.orientation(), "seed " + seed);
        assertEquals(both.report().functionalError(), byShape.report().functionalError(), 0.0, "seed " + seed);
        assertTrue(byShape.report().phaseSeconds().containsKey("other-orientation"), "seed " + seed);
    }

    /** squareOrientation(INPUT | OUTPUT): a square matrix one way only, the fixed orientation's result bit for bit. */
    @ParameterizedTest
    @MethodSource("seeds")
    void squareOrientationCompressesSquareMatricesOneWay(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = 8 + random.nextInt(16);
        final FMatrixRMaj w = TestData.gaussian(d, d, random);
        final CalibrationStats stats = CalibrationStats.of(TestData.activations(3 * d, d, random));
        for (Orientation side : new Orientation[]{Orientation.INPUT, Orientation.OUTPUT}) {
            final CompressedMatrix auto = quick(seed).orientation(Orientation.AUTO).squareOrientation(side).build().compress(w, stats);
            final CompressedMatrix fixed = quick(seed).orientation(side).build().compress(w, stats);
            assertEquals(side, auto.orientation(), "seed " + seed);
            assertFalse(auto.report().phaseSeconds().containsKey("other-orientation"), "seed " + seed + " " + side);
            assertArrayEquals(fixed.dictionary().data, auto.dictionary().data, "seed " + seed + " " + side);
            assertArrayEquals(fixed.codes().values(), auto.codes().values(), "seed " + seed + " " + side);
        }
        // non-square matrices keep the shape rule whatever squareOrientation says
        final FMatrixRMaj tall = TestData.gaussian(d + 5, d, random);
        final CompressedMatrix t = quick(seed).orientation(Orientation.AUTO).squareOrientation(Orientation.OUTPUT).build().compress(tall, stats);
        assertEquals(Orientation.INPUT, t.orientation(), "seed " + seed + ": 'tall' (more outputs) stays INPUT");
    }
}
