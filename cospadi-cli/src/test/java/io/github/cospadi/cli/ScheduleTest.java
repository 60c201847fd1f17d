package io.github.cospadi.cli;

import io.github.cospadi.CompressionReport;
import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_FDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which schedule the options give: the command's default (fast for the whole-model commands), --reference or --fast,
 * then the explicit --coding-interval / --warmup / --refresh-steps / --power-iterations on top of either. Checked
 * through what a compression of a small matrix reports (the coder as the schedule ran it) and the builder's settings.
 */
class ScheduleTest {
    static Stream<Arguments> cases() {
        // options, fast by default?, expected coder of the report, expected power steps, extrapolation?, expected describe()
        return Stream.of(
                Arguments.of("", true, "omp+refresh2", 1, true, "fast schedule, 12 iterations"),
                Arguments.of("--reference", true, "omp", 8, false, "reference schedule, 12 iterations"),
                Arguments.of("", false, "omp", 8, false, "reference schedule, 12 iterations"),
                Arguments.of("--fast", false, "omp+refresh2", 1, true, "fast schedule, 12 iterations"),
                // fast() runs OMP every 10th iteration on this small layer; a huge interval leaves only refresh steps
                Arguments.of("--coding-interval 1000000", true, "refresh2", 1, true, "fast schedule, 12 iterations, coding every 1000000"),
                Arguments.of("--reference --coding-interval 4 --refresh-steps 2", true, "omp+refresh2", 8, false,
                        "reference schedule, 12 iterations, coding every 4, 2 refresh steps"),
                Arguments.of("--power-iterations 3", true, "omp+refresh2", 3, true, "fast schedule, 12 iterations, 3 power steps"),
                Arguments.of("--extrapolation off", true, "omp+refresh2", 1, false, "fast schedule, 12 iterations, extrapolation off"),
                Arguments.of("--reference --extrapolation on", true, "omp", 8, true, "reference schedule, 12 iterations, extrapolation on"),
                Arguments.of("--reference --refresh-steps 0 --coding-interval 1", true, "omp", 8, false,
                        "reference schedule, 12 iterations, coding every 1, 0 refresh steps"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void optionsGiveTheSchedule(String options, boolean fastByDefault, String coder, int power, boolean extrapolation, String description) {
        final Options o = Options.parse(options.isEmpty() ? new String[0] : options.split(" "));
        final Schedule schedule = Schedule.parse(o, fastByDefault);
        o.finish();
        assertEquals(description, schedule.describe(12), options);
        final Compressor.Builder b = Compressor.builder().ratio(0.3).iterations(12);
        schedule.accept(b);
        final Compressor compressor = b.build();
        assertTrue(compressor.toString().contains("power=" + power), options + ": " + compressor);
        assertEquals(extrapolation, compressor.toString().contains("extrapolation"), options + ": " + compressor);
        final Random random = new Random(5);
        final FMatrixRMaj w = RandomMatrices_FDRM.rectangle(40, 24, -1, 1, random);
        final CompressionReport r = compressor.compress(w, CalibrationStats.of(RandomMatrices_FDRM.rectangle(96, 24, -1, 1, random))).report();
        assertEquals(coder, r.coder(), options);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void fastAndReferenceExcludeEachOther(boolean fastByDefault) {
        final Options.UsageException e = assertThrows(Options.UsageException.class,
                () -> Schedule.parse(Options.parse(new String[]{"--fast", "--reference"}), fastByDefault));
        assertEquals("--fast and --reference exclude each other", e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void extrapolationMustBeOnOrOff() {
        final Options.UsageException e = assertThrows(Options.UsageException.class,
                () -> Schedule.parse(Options.parse(new String[]{"--extrapolation", "yes"}), true));
        assertEquals("--extrapolation must be on or off, got 'yes'", e.getMessage());
    }
}
