package io.github.cospadi.models;

import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.FMatrixRMaj;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Accumulates the Gram of every projection's input during forward passes. Projections fed the same activation matrix
 * in one pass (q, k and v; gate and up) share one accumulation, so each distinct input is added once.
 */
public final class GramCapture {
    /** Receives (projection name, input activations) from a forward pass. */
    @FunctionalInterface
    public interface Sink {
        void onInput(String projection, FMatrixRMaj input);
    }

    private final Map<String, CalibrationStats.Accumulator> byProjection = new LinkedHashMap<>();
    private final Map<FMatrixRMaj, CalibrationStats.Accumulator> byInput = new IdentityHashMap<>();

    private GramCapture() {}

    /** Runs {@code passes} with a sink and returns the statistics by projection name. */
    public static Map<String, CalibrationStats> capture(Consumer<Sink> passes) {
        final GramCapture c = new GramCapture();
        passes.accept(c::onInput);
        final Map<String, CalibrationStats> out = new LinkedHashMap<>();
        final Map<CalibrationStats.Accumulator, CalibrationStats> built = new IdentityHashMap<>();
        c.byProjection.forEach((name, acc) -> out.put(name, built.computeIfAbsent(acc, CalibrationStats.Accumulator::build)));
        return out;
    }

    private void onInput(String projection, FMatrixRMaj input) {
        CalibrationStats.Accumulator acc = byInput.get(input);
        if (acc == null) {
            // a new activation matrix: its projection's accumulator (created on first sight, possibly shared later)
            acc = byProjection.computeIfAbsent(projection, p -> CalibrationStats.accumulator(input.numCols));
            try {
                acc.add(input);
            } catch (IllegalArgumentException e) { // e.g. a NaN activation: say which projection's input it was
                throw new IllegalArgumentException("calibration input of " + projection + ": " + e.getMessage(), e);
            }
            byInput.clear(); // inputs are only shared within one pass of one block
            byInput.put(input, acc);
        } else {
            byProjection.putIfAbsent(projection, acc);
        }
    }
}
