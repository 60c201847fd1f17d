package io.github.cospadi.common;

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
    private final String subject;
    private final int doneBefore;
    private volatile boolean cancelled;

    public ProgressEvent(String phase, int iteration, int totalIterations, double objective, Duration elapsed) {
        this(phase, iteration, totalIterations, objective, elapsed, null);
    }

    /** An event about one item of a job (e.g. the projection a whole-model compression just finished), or null. */
    public ProgressEvent(String phase, int iteration, int totalIterations, double objective, Duration elapsed, String subject) {
        this(phase, iteration, totalIterations, objective, elapsed, subject, 0);
    }

    /**
     * An event of a resumed job: {@code doneBefore} of the items were finished by earlier runs, so {@code elapsed}
     * (this run's time) paid for {@code iteration − doneBefore} of them; 0 ≤ doneBefore &lt; iteration, or
     * doneBefore = iteration = 0.
     */
    public ProgressEvent(String phase, int iteration, int totalIterations, double objective, Duration elapsed, String subject, int doneBefore) {
        if (doneBefore < 0 || (doneBefore >= iteration && iteration > 0)) {
            throw new IllegalArgumentException("doneBefore must be in [0, iteration = " + iteration + "), got " + doneBefore);
        }
        this.doneBefore = doneBefore;
        this.phase = phase;
        this.iteration = iteration;
        this.totalIterations = totalIterations;
        this.objective = objective;
        this.elapsed = elapsed;
        this.subject = subject;
    }

    /** The item this event is about, or null. */
    public String subject() { return subject; }

    /**
     * Estimated time to the end of the phase, elapsed × (total − done) / (done − doneBefore), assuming the remaining
     * steps cost what this run's did on average (a pipeline that runs its largest tasks first overestimates); zero when
     * nothing is done.
     */
    public Duration eta() {
        if (iteration <= 0 || totalIterations <= iteration) return Duration.ZERO;
        return Duration.ofNanos((long) (elapsed.toNanos() * (double) (totalIterations - iteration) / (iteration - doneBefore)));
    }

    /** Items finished before this run (a resumed job), 0 otherwise. */
    public int doneBefore() { return doneBefore; }

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
        return String.format("%s %d/%d%s objective=%.6g elapsed=%.3fs", phase, iteration, totalIterations,
                subject == null ? "" : " " + subject, objective, elapsed.toNanos() / 1e9);
    }
}
