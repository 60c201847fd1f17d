package io.github.cospadi.models;

import io.github.cospadi.calibration.CalibrationStats;
import org.ejml.data.FMatrixRMaj;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * Accumulates the Gram G = XᵀX of every projection's input during forward passes. Projections fed the same activation
 * matrix in one pass (q, k and v; gate and up) share one accumulation, so each distinct input is added once and the
 * shared {@link CalibrationStats} instance is returned under each of their names.
 */
public final class GramCapture {
    private final Map<String, CalibrationStats.Accumulator> byProjection = new LinkedHashMap<>();
    private final Map<FMatrixRMaj, CalibrationStats.Accumulator> byInput = new IdentityHashMap<>();
    private final io.github.cospadi.common.Parallelism parallelism;

    private GramCapture(io.github.cospadi.common.Parallelism parallelism) {
        this.parallelism = parallelism;
    }

    /** Runs {@code passes} with a listener and returns the statistics by projection name. */
    public static Map<String, CalibrationStats> capture(Consumer<ProjectionListener> passes) {
        final GramCapture c = new GramCapture(io.github.cospadi.common.Parallelism.sequential());
        passes.accept(c::onInput);
        return c.build();
    }

    /**
     * The input statistics of every projection of {@code model} over forward passes on {@code inputs} (token
     * sequences), in order; {@code progress} (may be null) hears (done, total) after each pass and may cancel by
     * returning false.
     */
    public static Map<String, CalibrationStats> capture(CompressibleModel model, List<int[]> inputs, Progress progress) {
        return capture(model, inputs, io.github.cospadi.common.Parallelism.sequential(), progress);
    }

    /**
     * As {@link #capture(CompressibleModel, List, Progress)}, with each forward pass and Gram update split between
     * {@code parallelism}'s threads (the bits do not depend on the thread count).
     */
    public static Map<String, CalibrationStats> capture(CompressibleModel model, List<int[]> inputs,
                                                        io.github.cospadi.common.Parallelism parallelism, Progress progress) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("calibration inputs must be non-empty");
        final GramCapture c = new GramCapture(parallelism);
        for (int i = 0; i < inputs.size(); i++) {
            model.run(inputs.get(i), c::onInput, parallelism);
            if (progress != null && !progress.onPass(i + 1, inputs.size())) throw new CancellationException("calibration capture cancelled");
        }
        final Map<String, CalibrationStats> out = c.build();
        for (Projection p : model.projections()) {
            if (!out.containsKey(p.name())) throw new IllegalStateException("model '" + model.name() + "' never reported an input for '" + p.name() + "'");
        }
        return out;
    }

    /** Hears the progress of a capture; return false to cancel. */
    @FunctionalInterface
    public interface Progress {
        boolean onPass(int done, int total);
    }

    private Map<String, CalibrationStats> build() {
        final Map<String, CalibrationStats> out = new LinkedHashMap<>();
        final Map<CalibrationStats.Accumulator, CalibrationStats> built = new IdentityHashMap<>();
        byProjection.forEach((name, acc) -> out.put(name, built.computeIfAbsent(acc, CalibrationStats.Accumulator::build)));
        return out;
    }

    private void onInput(String projection, FMatrixRMaj input) {
        CalibrationStats.Accumulator acc = byInput.get(input);
        if (acc == null) {
            // a new activation matrix: its projection's accumulator (created on first sight, possibly shared later)
            acc = byProjection.computeIfAbsent(projection, p -> CalibrationStats.accumulator(input.numCols, parallelism));
            try {
                acc.add(input);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("input of projection '" + projection + "': " + e.getMessage(), e);
            }
            byInput.clear(); // inputs are only shared within one pass of one block
            byInput.put(input, acc);
        } else {
            byProjection.putIfAbsent(projection, acc);
        }
    }
}
