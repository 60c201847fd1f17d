package io.github.cospadi.calibration;

/**
 * How the functional objective ‖X(Wᵀ − DS)‖ is turned into a plain dictionary-learning problem: a factor L with
 * LᵀL ≈ G (docs/design.md §3). Implementations are immutable and thread-safe.
 */
public interface Whitening {

    /** The factor for these statistics. */
    WhiteningFactor factor(CalibrationStats stats);

    /** The factor for these statistics, computed with the given parallelism (the same result for any). */
    default WhiteningFactor factor(CalibrationStats stats, io.github.cospadi.common.Parallelism parallelism) {
        return factor(stats);
    }

    /** A short name for reports. */
    String name();

    /** Cholesky whitening with the default relative shift ε = 1e-6 (used only when G is not positive definite). */
    static Whitening cholesky() {
        return new CholeskyWhitening(CholeskyWhitening.DEFAULT_EPSILON);
    }

    /**
     * Cholesky whitening; when G is not numerically positive definite it factors G + δI with
     * δ = max(0, −λ_min) + ε·mean(diag G).
     */
    static Whitening cholesky(double epsilon) {
        return new CholeskyWhitening(epsilon);
    }

    /** L = I: data-free compression that minimizes ‖Wᵀ − DS‖_F. */
    static Whitening identity() {
        return IdentityWhitening.INSTANCE;
    }
}
