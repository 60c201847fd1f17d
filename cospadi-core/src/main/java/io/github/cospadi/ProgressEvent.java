package io.github.cospadi;

import java.time.Duration;

/**
 * One progress report. {@code iteration} counts from 1 to {@code totalIterations} within a phase
 * ("whitening", "init", "iteration", "map-back", ...); {@code objective} is the whitened objective
 * ‖W_L − D_L·S‖² after that step, or NaN when the phase has none.
 */
public final class ProgressEvent {
    private final String phase;
    private final int iteration;
    private final int totalIterations;
    private final double objective;
    private final Duration elapsed;
    private volatile boolean cancelled;

    public ProgressEvent(String phase, int iteration, int totalIterations, double objective, Duration elapsed) {
        this.phase = phase;
        this.iteration = iteration;
        this.totalIterations = totalIterations;
        this.objective = objective;
        this.elapsed = elapsed;
    }

    public String phase() { return phase; }
    public int iteration() { return iteration; }
    public int totalIterations() { return totalIterations; }
    public double objective() { return objective; }
    public Duration elapsed() { return elapsed; }

    /** Asks the computation to stop; it throws {@link java.util.concurrent.CancellationException}. */
    public void cancel() { cancelled = true; }

    public boolean isCancelled() { return cancelled; }

    @Override
    public String toString() {
        return String.format("%s %d/%d objective=%.6g elapsed=%.3fs", phase, iteration, totalIterations, objective,
                elapsed.toNanos() / 1e9);
    }
}
