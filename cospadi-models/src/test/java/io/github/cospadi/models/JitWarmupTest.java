package io.github.cospadi.models;

import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class JitWarmupTest {
    private static Compressor.Builder fast() {
        return Compressor.builder().fast().iterations(2).parallelism(Parallelism.sequential());
    }

    @Test
    void warmsWithEveryShapeItsWorkersShare() {
        // two workers split the three shapes; AUTO compresses the wide, tall and square one
        final Compressor c = fast().ratio(0.3).orientation(Orientation.AUTO).build();
        assertEquals(3, JitWarmup.run(c, 0, 2) + JitWarmup.run(c, 1, 2));
        assertEquals(3, JitWarmup.run(Compressor.builder().method(Method.SVD_LLM).ratio(0.3).build(), 0, 1));
    }

    @Test
    void skipsTheShapesAFixedBudgetDoesNotFit() {
        // an adaptive plan's k = 400 fits none of the synthetic shapes (at most 224 wide): skipped, not thrown
        assertEquals(0, JitWarmup.run(fast().atoms(400).nonzerosPerColumn(200).build(), 0, 1));
        assertEquals(0, JitWarmup.run(Compressor.builder().method(Method.SVD_LLM).rank(300).build(), 0, 1));
    }

    @Test
    void smallRunsDoNotWarmUp() {
        assertFalse(JitWarmup.claim(JitWarmup.MIN_WORK - 1));
    }
}
