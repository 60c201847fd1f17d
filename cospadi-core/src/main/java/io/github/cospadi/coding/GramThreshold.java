package io.github.cospadi.coding;

import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;

/**
 * Hard-thresholded least squares against a fixed dictionary Gram Γ = DᵀD, for the dense-support regime (s ≈ k/2) in
 * which greedy OMP pays O(k·s²) per target: one-shot backward elimination from the full least-squares solution
 * z = Γ⁻¹Dᵀy keeps the s atoms whose removal would cost most, z_i²/(Γ⁻¹)_ii, and the values on that support are
 * refit by a few conjugate-gradient steps on Γ_ΩΩ·x = (Dᵀy)_Ω started at z_Ω. O(k + s²·(steps + 1)) per target
 * given z and Dᵀy, against OMP's k·s²/2. Exact least squares on the chosen support is the limit of many steps (the
 * test oracle). Not thread-safe (one workspace); cheap to create one per thread.
 */
public final class GramThreshold {
    private final float[] gram;         // Γ (k x k, symmetric), by reference
    private final double[] keepWeight;  // 1/(Γ⁻¹)_ii, the cost of dropping atom i per unit z_i²
    private final int k, ld, s, steps;
    private final double[] score;
    private final double[] select;
    private final float[] sub, x, r, p, q;
    private final int[] support;
    private final FloatOps ops = FloatOps.get();

    /**
     * @param gram             Γ (k × k, symmetric, row i at i·ld); kept by reference, not copied
     * @param ld               the leading dimension of gram, at least k
     * @param inverseDiagonal  the diagonal of Γ⁻¹ (or of a ridge-regularized inverse), positive
     * @param refitSteps       conjugate-gradient steps on the support (0: the values are z_Ω)
     */
    public GramThreshold(float[] gram, int ld, double[] inverseDiagonal, int k, int s, int refitSteps) {
        this.k = Checks.positive("k", k);
        if (ld < k) throw new IllegalArgumentException("ld (" + ld + ") must be at least k (" + k + ")");
        this.ld = ld;
        Checks.positive("s", s);
        if (s > k) throw new IllegalArgumentException("s (" + s + ") must not exceed the atoms k (" + k + ")");
        if (gram.length < (k - 1) * ld + k) throw new IllegalArgumentException("gram has " + gram.length + " entries, too few for k=" + k + ", ld=" + ld);
        if (inverseDiagonal.length < k) throw new IllegalArgumentException("inverseDiagonal has length " + inverseDiagonal.length + ", expected k=" + k);
        if (refitSteps < 0) throw new IllegalArgumentException("refitSteps must be >= 0, got " + refitSteps);
        this.gram = gram;
        this.s = s;
        this.steps = refitSteps;
        this.keepWeight = new double[k];
        for (int i = 0; i < k; i++) {
            final double v = inverseDiagonal[i];
            if (!(v > 0) || !Double.isFinite(v)) throw new IllegalArgumentException("inverseDiagonal[" + i + "] must be positive, got " + v);
            keepWeight[i] = 1 / v;
        }
        score = new double[k];
        select = new double[k];
        sub = new float[s * s];
        x = new float[s];
        r = new float[s];
        p = new float[s];
        q = new float[s];
        support = new int[s];
    }

    /**
     * Codes one target from its steering coefficients z (≈ Γ⁻¹Dᵀy, at zOff) and correlations a = Dᵀy (at aOff): writes
     * the s entries, rows ascending, to rows/values at {@code off}.
     */
    public void code(float[] z, int zOff, float[] a, int aOff, int[] rows, float[] values, int off) {
        for (int i = 0; i < k; i++) {
            final double v = z[zOff + i];
            score[i] = v * v * keepWeight[i];
        }
        selectLargest(rows, off);
        if (steps == 0) {
            for (int t = 0; t < s; t++) values[off + t] = z[zOff + rows[off + t]];
            return;
        }
        // Γ_ΩΩ gathered once; CG on Γ_ΩΩ·x = a_Ω from x = z_Ω
        System.arraycopy(rows, off, support, 0, s);
        for (int t = 0; t < s; t++) {
            ops.gather(gram, support[t] * ld, support, q, s);
            System.arraycopy(q, 0, sub, t * s, s);
            x[t] = z[zOff + support[t]];
        }
        ops.dotRows(sub, 0, s, s, x, 0, s, q, 0);
        double rr = 0;
        for (int t = 0; t < s; t++) {
            r[t] = a[aOff + rows[off + t]] - q[t];
            p[t] = r[t];
            rr += (double) r[t] * r[t];
        }
        for (int step = 0; step < steps && rr > 0; step++) {
            ops.dotRows(sub, 0, s, s, p, 0, s, q, 0);
            double pq = 0;
            for (int t = 0; t < s; t++) pq += (double) p[t] * q[t];
            if (!(pq > 0)) break;
            final double alpha = rr / pq;
            double next = 0;
            for (int t = 0; t < s; t++) {
                x[t] += (float) (alpha * p[t]);
                r[t] -= (float) (alpha * q[t]);
                next += (double) r[t] * r[t];
            }
            final double beta = next / rr;
            for (int t = 0; t < s; t++) p[t] = (float) (r[t] + beta * p[t]);
            rr = next;
        }
        for (int t = 0; t < s; t++) values[off + t] = x[t];
    }

    /**
     * rows[off..off+s) = the s indices of the largest scores in ascending order; among equal scores the lower index
     * wins. O(k) expected: a quickselect on a copy finds the s-th largest score τ, then one pass keeps the scores above
     * τ and as many equal to τ as are needed, in index order.
     */
    private void selectLargest(int[] rows, int off) {
        if (s == k) {
            for (int i = 0; i < k; i++) rows[off + i] = i;
            return;
        }
        System.arraycopy(score, 0, select, 0, k);
        final double tau = nthLargest(select, k, s - 1);
        int above = 0;
        for (int i = 0; i < k; i++) if (score[i] > tau) above++;
        int ties = s - above, t = off;
        for (int i = 0; i < k; i++) {
            final double v = score[i];
            if (v > tau || (v == tau && ties-- > 0)) rows[t++] = i;
        }
    }

    /** The element that would be at index n of a descending sort of a[0..len) (Hoare quickselect, middle pivot). */
    static double nthLargest(double[] a, int len, int n) {
        int lo = 0, hi = len - 1;
        while (lo < hi) {
            final double pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    final double tmp = a[i];
                    a[i] = a[j];
                    a[j] = tmp;
                    i++;
                    j--;
                }
            }
            if (n <= j) hi = j;
            else if (n >= i) lo = i;
            else return a[n];
        }
        return a[n];
    }
}
