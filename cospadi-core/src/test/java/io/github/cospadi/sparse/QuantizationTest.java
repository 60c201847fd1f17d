package io.github.cospadi.sparse;

import io.github.cospadi.Quantization;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.internal.Half;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

class QuantizationTest {
    static LongStream seeds() {
        return LongStream.range(0, 8);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void quantizedFormsStayCloseAndAreOnTheirGrids(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final FMatrixRMaj w = TestData.gaussian(40, 24, random);
        final CalibrationStats stats = CalibrationStats.of(TestData.activations(96, 24, random));
        final CompressedMatrix c = Compressor.builder().ratio(0.3).iterations(5).seed(seed).build().compress(w, stats);
        final double base = c.report().functionalError();
        assertEquals(base, c.functionalError(w, stats, Parallelism.sequential()), 1e-6 * base + 1e-12, "seed " + seed);
        final CompressedMatrix q14 = Quantization.paperCompact(c, 14), q16 = Quantization.paperCompact(c, 16), i8 = Quantization.int8Codes(c);
        for (float v : q14.codes().values()) assertEquals(0, Half.floatToBf16(v) & 0x3, "14-bit grid, seed " + seed);
        for (float v : q16.dictionaryView().data) assertEquals(v, Half.bf16ToFloat(Half.floatToBf16(v)), 0f, "bf16 dictionary");
        // quantization adds a little error, and 14 bits never beat 16 by much
        final double e14 = q14.functionalError(w, stats, Parallelism.sequential()), e16 = q16.functionalError(w, stats, Parallelism.sequential());
        final double e8 = i8.functionalError(w, stats, Parallelism.sequential());
        assertTrue(e16 < base + 0.02 && e14 < base + 0.05 && e8 < base + 0.05, "seed " + seed + ": " + base + " " + e16 + " " + e14 + " " + e8);
        assertTrue(Quantization.compactBytes(c, 14) < 4L * 40 * 24);
        assertMessage(() -> Quantization.paperCompact(c, 8), "bits must be in [9, 16]");
    }
}
