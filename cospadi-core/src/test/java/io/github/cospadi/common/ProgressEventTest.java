package io.github.cospadi.common;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ETA of a phase, from the start and from a resumed job. */
class ProgressEventTest {

    @Test
    void etaExtrapolatesTheRateOfThisRun() {
        // 10 of 40 done in 20 s: 30 more at 2 s each
        assertEquals(Duration.ofSeconds(60), new ProgressEvent("compress", 10, 40, Double.NaN, Duration.ofSeconds(20), "x").eta());
        // resumed with 30 done before; this run did 5 in 10 s: 5 more at 2 s each (not at the 0.29 s of 35 in 10 s)
        assertEquals(Duration.ofSeconds(10), new ProgressEvent("compress", 35, 40, Double.NaN, Duration.ofSeconds(10), "x", 30).eta());
        assertEquals(Duration.ZERO, new ProgressEvent("compress", 40, 40, Double.NaN, Duration.ofSeconds(10), "x", 30).eta());
        assertEquals(Duration.ZERO, new ProgressEvent("compress", 0, 40, Double.NaN, Duration.ZERO, "x", 0).eta());
    }

    @Test
    void doneBeforeMustBeBelowTheCount() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ProgressEvent("compress", 5, 40, Double.NaN, Duration.ofSeconds(1), "x", 5));
        assertEquals("doneBefore must be in [0, iteration = 5), got 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ProgressEvent("compress", 5, 40, Double.NaN, Duration.ofSeconds(1), "x", -1));
    }
}
