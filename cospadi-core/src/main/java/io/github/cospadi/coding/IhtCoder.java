package io.github.cospadi.coding;

import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Iterative hard thresholding in Gram form (Blumensath &amp; Davies 2009, 2010), docs/design.md §5.2. Per column,
 * with Γ = DᵀD and α⁰ = Dᵀy: g = α⁰ − Γc; the normalized step μ = ‖g_S‖² / g_SᵀΓ_SSg_S on the current support S;
 * c ← H_s(c + μg), halving μ until the residual does not grow (so every accepted step is a descent step); then a
 * least-squares refit on the final support. Starts from the warm-start code when given (else from H_s(α⁰/diag Γ)) and
 * keeps it when it fits better.
 */
final class IhtCoder implements SparseCoder {
    /** Step halvings tried before an iteration gives up on moving. */
    private static final int MAX_HALVINGS = 12;
    private final int iterations;

    IhtCoder(int iterations) {
        if (iterations < 1) throw new IllegalArgumentException("iterations must be positive, got " + iterations);
        this.iterations = iterations;
    }

    @Override
    public String name() {
        return "iht";
    }

    @Override
    public String toString() {
        return "IhtCoder[iterations=" + iterations + "]";
    }

    @Override
    public Supplier<ColumnCoder> prepare(CodingProblem problem) {
        final int k = problem.atoms(), s = problem.nonzerosPerColumn();
        final double[] gram = problem.gram().data;
        final FMatrixRMaj correlations = problem.correlations();
        final ColumnSparseMatrix warmStart = problem.warmStart();
        return () -> {
            final Work w = new Work(k, s);
            return (j, rows, values) -> {
                codeColumn(gram, k, correlations, j, s, warmStart, w);
                w.emit(rows, values, j * s);
            };
        };
    }

    private void codeColumn(double[] g, int k, FMatrixRMaj correlations, int j, int s, ColumnSparseMatrix warm, Work w) {
        final int n = correlations.numCols;
        final double[] a0 = w.alpha0, c = w.c, grad = w.grad, cand = w.cand;
        for (int i = 0; i < k; i++) a0[i] = correlations.data[i * n + j];
        Arrays.fill(c, 0);
        if (warm != null) {
            for (int t = j * s; t < (j + 1) * s; t++) c[warm.rowIndices()[t]] = warm.values()[t];
        } else {
            for (int i = 0; i < k; i++) cand[i] = g[i * k + i] > 0 ? a0[i] / g[i * k + i] : 0;
            threshold(cand, s, w);
            System.arraycopy(cand, 0, c, 0, k);
        }
        support(c, s, w);
        double f = objective(g, k, a0, c, w);
        for (int it = 0; it < iterations; it++) {
            // grad = α⁰ − Γ c, using the support of c
            System.arraycopy(a0, 0, grad, 0, k);
            for (int t = 0; t < s; t++) {
                final int p = w.support[t];
                final double cp = c[p];
                if (cp == 0) continue;
                for (int i = 0; i < k; i++) grad[i] -= g[i * k + p] * cp;
            }
            // normalized step on the current support
            double num = 0, den = 0;
            for (int t = 0; t < s; t++) {
                final int p = w.support[t];
                num += grad[p] * grad[p];
                double row = 0;
                for (int u = 0; u < s; u++) row += g[p * k + w.support[u]] * grad[w.support[u]];
                den += grad[p] * row;
            }
            if (!(num > 0)) { // support is stationary: take a plain gradient step scaled by the largest diagonal
                double maxDiag = 0;
                for (int i = 0; i < k; i++) maxDiag = Math.max(maxDiag, g[i * k + i]);
                num = 1;
                den = maxDiag;
            }
            double mu = den > 0 ? num / den : 0;
            boolean moved = false;
            for (int h = 0; h < MAX_HALVINGS && mu > 0; h++, mu *= 0.5) {
                for (int i = 0; i < k; i++) cand[i] = c[i] + mu * grad[i];
                threshold(cand, s, w);
                final double fc = objective(g, k, a0, cand, w);
                if (fc < f) {
                    System.arraycopy(cand, 0, c, 0, k);
                    f = fc;
                    moved = true;
                    break;
                }
            }
            support(c, s, w);
            if (!moved) break;
        }
        refit(g, k, a0, c, s, w);
    }

    /** Keeps the s largest |v_i| (ties: lower index), zeroing the rest. */
    private static void threshold(double[] v, int s, Work w) {
        final int k = v.length;
        for (int i = 0; i < k; i++) {
            w.keys[i] = ((long) Float.floatToIntBits((float) Math.abs(v[i])) << 32) | (Integer.MAX_VALUE - i);
        }
        Arrays.sort(w.keys);
        // everything below the top s is cleared
        for (int r = 0; r < k - s; r++) v[Integer.MAX_VALUE - (int) (w.keys[r] & 0xffffffffL)] = 0;
    }

    /** The s atoms of the code: its nonzeros, padded with the lowest unused rows (exactly s, sorted). */
    private static void support(double[] c, int s, Work w) {
        int t = 0;
        for (int i = 0; i < c.length && t < s; i++) if (c[i] != 0) w.support[t++] = i;
        for (int i = 0; i < c.length && t < s; i++) {
            if (c[i] == 0) w.support[t++] = i;
        }
        Arrays.sort(w.support, 0, s);
    }

    /** ‖y − Dc‖² − ‖y‖² = cᵀΓc − 2cᵀα⁰ over the nonzeros of c. */
    private static double objective(double[] g, int k, double[] a0, double[] c, Work w) {
        int nz = 0;
        for (int i = 0; i < k; i++) if (c[i] != 0) w.nz[nz++] = i;
        double lin = 0, quad = 0;
        for (int a = 0; a < nz; a++) {
            final int p = w.nz[a];
            lin += c[p] * a0[p];
            double row = 0;
            for (int b = 0; b < nz; b++) row += g[p * k + w.nz[b]] * c[w.nz[b]];
            quad += c[p] * row;
        }
        return quad - 2 * lin;
    }

    /** Least squares on the support: Γ_SS x = α⁰_S by Cholesky (with a tiny ridge if Γ_SS is singular). */
    private static void refit(double[] g, int k, double[] a0, double[] c, int s, Work w) {
        support(c, s, w);
        final double[] m = w.chol;
        for (double ridge = 0; ; ridge = ridge == 0 ? 1e-12 : ridge * 100) {
            double trace = 0;
            for (int a = 0; a < s; a++) trace += g[w.support[a] * k + w.support[a]];
            final double add = ridge * (trace / s + Double.MIN_NORMAL);
            boolean ok = true;
            for (int a = 0; a < s && ok; a++) {
                for (int b = 0; b <= a; b++) {
                    double v = g[w.support[a] * k + w.support[b]] + (a == b ? add : 0);
                    for (int p = 0; p < b; p++) v -= m[a * s + p] * m[b * s + p];
                    if (a == b) {
                        if (!(v > 1e-12 * (g[w.support[a] * k + w.support[a]] + add))) {
                            ok = false;
                            break;
                        }
                        m[a * s + a] = Math.sqrt(v);
                    } else {
                        m[a * s + b] = v / m[b * s + b];
                    }
                }
            }
            if (!ok && ridge < 1) continue;
            if (!ok) return; // keep the thresholded values
            final double[] x = w.x;
            for (int a = 0; a < s; a++) {
                double v = a0[w.support[a]];
                for (int p = 0; p < a; p++) v -= m[a * s + p] * x[p];
                x[a] = v / m[a * s + a];
            }
            for (int a = s - 1; a >= 0; a--) {
                double v = x[a];
                for (int p = a + 1; p < s; p++) v -= m[p * s + a] * x[p];
                x[a] = v / m[a * s + a];
            }
            Arrays.fill(c, 0);
            for (int a = 0; a < s; a++) c[w.support[a]] = x[a];
            return;
        }
    }

    private static final class Work {
        final double[] alpha0, c, grad, cand, chol, x;
        final long[] keys;
        final int[] support, nz;

        Work(int k, int s) {
            alpha0 = new double[k];
            c = new double[k];
            grad = new double[k];
            cand = new double[k];
            keys = new long[k];
            support = new int[s];
            nz = new int[k];
            chol = new double[s * s];
            x = new double[s];
        }

        void emit(int[] rows, float[] values, int off) {
            for (int t = 0; t < support.length; t++) {
                rows[off + t] = support[t];
                values[off + t] = (float) c[support[t]];
            }
        }
    }
}
