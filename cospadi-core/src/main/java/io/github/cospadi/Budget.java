package io.github.cospadi;

/**
 * Storage budget of one compressed matrix (docs/design.md §4): d1 = inFeatures, d2 = outFeatures, k atoms and
 * s nonzeros per column (for the low-rank baselines k = s = r). Validated on construction.
 */
public record Budget(int inFeatures, int outFeatures, int atoms, int nonzerosPerColumn) {

    /** How stored coefficients are counted. */
    public enum Accounting {
        /** Paper Eq. 11: d1·k + s·d2 values (14-bit coefficients pay for the bitmask at ρ = 2). */
        EFFECTIVE,
        /** Paper Eq. 10: d1·k + s·d2 values plus a k × d2 bitmask at 1/16 of a value per bit. */
        FULL
    }

    public Budget {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("matrix must be non-empty, got inFeatures=" + inFeatures + ", outFeatures=" + outFeatures);
        }
        if (atoms < 1) throw new IllegalArgumentException("atoms (k) must be positive, got " + atoms);
        if (nonzerosPerColumn < 1) {
            throw new IllegalArgumentException("nonzerosPerColumn (s) must be positive, got " + nonzerosPerColumn);
        }
        if (nonzerosPerColumn > atoms) {
            throw new IllegalArgumentException("nonzerosPerColumn (s=" + nonzerosPerColumn + ") must not exceed atoms (k=" + atoms + ")");
        }
        if (atoms > outFeatures) {
            throw new IllegalArgumentException("atoms (k=" + atoms + ") beyond the matrix: the dictionary alone (" + inFeatures
                    + "x" + atoms + ") stores more than the dense " + outFeatures + "x" + inFeatures + " weight");
        }
    }

    /**
     * k = ⌊(1−γ)·d1·d2 / (d1 + d2/ρ [+ d2/16])⌋ and s = ⌊k/ρ⌋ for a target ratio γ ∈ (0, 1) and ρ = k/s ≥ 1; with
     * the effective accounting and ρ > 2, d2/ρ becomes d2·(14 + ρ)/(16ρ), the compact layout's cost (see
     * {@link #effectiveRatio}).
     */
    public static Budget forRatio(int inFeatures, int outFeatures, double ratio, double atomsPerNonzero, Accounting accounting) {
        checkRatio(ratio);
        if (!(atomsPerNonzero >= 1) || !Double.isFinite(atomsPerNonzero)) {
            throw new IllegalArgumentException("atomsPerNonzero (rho = k/s) must be a finite number >= 1, got " + atomsPerNonzero);
        }
        final double d1 = inFeatures, d2 = outFeatures;
        // effective accounting beyond ρ = 2: each code value costs (14 + ρ)/16 of a value in the compact layout (14 bits
        // and ρ mask bits), not 1 — Eq. 11's 14-bit values pay for the mask only up to ρ = 2
        final double codeCost = accounting == Accounting.FULL ? 1 / atomsPerNonzero + 1.0 / 16
                : Math.max(1 / atomsPerNonzero, (14 + atomsPerNonzero) / (16 * atomsPerNonzero));
        final double denominator = d1 + d2 * codeCost;
        final int k = (int) Math.floor((1 - ratio) * d1 * d2 / denominator);
        final int s = (int) Math.floor(k / atomsPerNonzero);
        if (k < 1 || s < 1) {
            throw new IllegalArgumentException("ratio " + ratio + " with rho=" + atomsPerNonzero + " leaves no room for a "
                    + outFeatures + "x" + inFeatures + " matrix: k=" + k + ", s=" + s);
        }
        return new Budget(inFeatures, outFeatures, k, s);
    }

    /** The low-rank budget r = ⌊(1−γ)·d1·d2/(d1+d2)⌋ as a Budget with k = s = r. */
    public static Budget lowRank(int inFeatures, int outFeatures, double ratio) {
        checkRatio(ratio);
        final int r = (int) Math.floor((1 - ratio) * (double) inFeatures * outFeatures / ((double) inFeatures + outFeatures));
        if (r < 1) {
            throw new IllegalArgumentException("ratio " + ratio + " leaves rank 0 for a " + outFeatures + "x" + inFeatures + " matrix");
        }
        return new Budget(inFeatures, outFeatures, r, r);
    }

    private static void checkRatio(double ratio) {
        if (!(ratio > 0 && ratio < 1)) throw new IllegalArgumentException("ratio (gamma) must be in (0, 1), got " + ratio);
    }

    /** True when k = s (dense codes: the low-rank form). */
    public boolean isLowRank() {
        return atoms == nonzerosPerColumn;
    }

    /**
     * Achieved ratio, paper Eq. 11: 1 − (d1·k + s·d2)/(d1·d2); for k = s this is the low-rank ratio 1 − r(d1+d2)/(d1·d2).
     * Eq. 11 counts 14-bit code values whose 2 saved bits pay for the k × d2 bitmask, which holds for k ≤ 2s + 1 (ρ = 2
     * and its rounding); beyond that the bitmask's unpaid bits, (k − 2s − 1)·d2/16 values, are counted too, so that
     * the ratio stays that of the compact layout (docs/format.md) for every ρ.
     */
    public double effectiveRatio() {
        return 1 - effectiveStorage() / ((double) inFeatures * outFeatures);
    }

    /**
     * The values the effective accounting counts (the numerator of {@link #effectiveRatio}): d1·k + s·d2 and the
     * bitmask's unpaid bits beyond ρ = 2, max(0, k − 2s − 1)·d2/16.
     */
    public double effectiveStorage() {
        final double unpaidMask = Math.max(0, (double) atoms - 2.0 * nonzerosPerColumn - 1) * outFeatures / 16;
        return (double) inFeatures * atoms + (double) nonzerosPerColumn * outFeatures + unpaidMask;
    }

    /** Achieved ratio, paper Eq. 10: d1·k + s·d2 values plus the k × d2 bitmask (none for dense low-rank codes). */
    public double fullRatio() {
        final double plain = 1 - ((double) inFeatures * atoms + (double) nonzerosPerColumn * outFeatures) / ((double) inFeatures * outFeatures);
        if (isLowRank()) return plain;
        return plain - (double) atoms * outFeatures / 16.0 / ((double) inFeatures * outFeatures);
    }
}
