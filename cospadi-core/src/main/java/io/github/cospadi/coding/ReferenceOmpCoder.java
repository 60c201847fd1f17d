package io.github.cospadi.coding;

import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.util.Arrays;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;

/**
 * Orthogonal matching pursuit, Batch-OMP form (Rubinstein, Zibulevsky, Elad 2008) with the progressive
 * "panel" bookkeeping: with Γ = DᵀD and the selected set I, keep L (Cholesky factor of Γ_II, lower),
 * P = Γ_{:,I}·L⁻ᵀ (k × t) and α = Dᵀr. Step t picks i = argmax |α_i| over atoms not yet selected, sets
 * w = P[i, :], d = sqrt(Γ_ii − ‖w‖²), p_t = (Γ_{:,i} − P·w)/d, z_t = α_i/d, α ← α − z_t·p_t. The final
 * values solve Lᵀγ = z, i.e. least squares on the support. All of it in double, one column at a time: the
 * straightforward twin of {@link OmpCoder} and its oracle in tests. See docs/design.md §5.2.
 */
final class ReferenceOmpCoder implements SparseCoder {
    static final ReferenceOmpCoder INSTANCE = new ReferenceOmpCoder();

    /** A candidate whose new Cholesky pivot² is below this fraction of Γ_ii is treated as dependent. */
    static final double DEPENDENCE_TOLERANCE = 1e-10;

    private ReferenceOmpCoder() {}

    @Override
    public String name() {
        return "omp-reference";
    }

    /** It applies the warm-start rule itself, with its own exact Γ. */
    @Override
    public boolean keepsWarmStart() {
        return true;
    }

    /** Γ exactly in double ({@link DenseOps#gramExact}, its own, as an oracle should), then OMP column by column. */
    @Override
    public Supplier<ColumnCoder> prepare(CodingProblem problem) {
        final int k = problem.atoms(), n = problem.columns(), s = problem.nonzerosPerColumn();
        final DMatrixRMaj gram = DenseOps.gramExact(problem.dictionary(), problem.parallelism());
        final FMatrixRMaj correlations = problem.correlations(); // (k x n)
        final ColumnSparseMatrix warm = problem.warmStart();
        return () -> {
            final Workspace ws = new Workspace(k, s);
            return (j, rows, values) -> {
                codeColumn(gram.data, k, correlations, j, s, ws);
                final int off = j * s;
                ws.emit(rows, values, off);
                if (warm == null) return;
                final double norm = problem.targetNormSquared(j);
                final IntToDoubleFunction alpha = a -> correlations.data[a * n + j];
                if (CodingProblem.residual(gram.data, k, alpha, norm, warm.rowIndices(), warm.values(), off, s)
                        < CodingProblem.residual(gram.data, k, alpha, norm, rows, values, off, s)) {
                    System.arraycopy(warm.rowIndices(), off, rows, off, s);
                    System.arraycopy(warm.values(), off, values, off, s);
                }
            };
        };
    }

    /** Runs s OMP steps on column j; leaves support and values in the workspace. */
    static void codeColumn(double[] g, int k, FMatrixRMaj correlations, int j, int s, Workspace ws) {
        final double[] alpha = ws.alpha;
        final int n = correlations.numCols;
        for (int i = 0; i < k; i++) alpha[i] = correlations.data[i * n + j];
        Arrays.fill(ws.state, (byte) 0);
        final double[][] panel = ws.panel;
        final double[] L = ws.lower; // (s x s) row-major lower triangle
        final double[] z = ws.z;
        int t = 0;
        while (t < s) {
            // i = argmax |alpha| over free atoms (first maximum on ties)
            int best = -1;
            double bestAbs = -1;
            for (int i = 0; i < k; i++) {
                if (ws.state[i] != 0) continue;
                final double a = Math.abs(alpha[i]);
                if (a > bestAbs) {
                    bestAbs = a;
                    best = i;
                }
            }
            if (best < 0) break; // every atom selected or dependent: pad below
            final double gii = g[best * k + best];
            double w2 = 0;
            for (int l = 0; l < t; l++) {
                final double w = panel[l][best];
                L[t * s + l] = w;
                w2 += w * w;
            }
            final double d2 = gii - w2;
            if (!(d2 > DEPENDENCE_TOLERANCE * gii) || gii <= 0) {
                ws.state[best] = 2; // dependent on the selected atoms (or a zero atom): never pick it again
                continue;
            }
            final double d = Math.sqrt(d2);
            L[t * s + t] = d;
            // p_t = (G[:, best] - P w) / d
            final double[] p = panel[t];
            for (int i = 0; i < k; i++) p[i] = g[i * k + best];
            for (int l = 0; l < t; l++) {
                final double w = L[t * s + l];
                final double[] pl = panel[l];
                for (int i = 0; i < k; i++) p[i] -= w * pl[i];
            }
            final double inv = 1.0 / d;
            for (int i = 0; i < k; i++) p[i] *= inv;
            final double zt = alpha[best] * inv;
            z[t] = zt;
            for (int i = 0; i < k; i++) alpha[i] -= zt * p[i];
            ws.state[best] = 1;
            ws.support[t] = best;
            t++;
        }
        // gamma = L^-T z (back substitution)
        final double[] gamma = ws.gamma;
        for (int a = t - 1; a >= 0; a--) {
            double v = z[a];
            for (int b = a + 1; b < t; b++) v -= L[b * s + a] * gamma[b];
            gamma[a] = v / L[a * s + a];
        }
        // pad with zero-valued unused atoms if fewer than s independent atoms exist
        int filled = t;
        for (int i = 0; filled < s && i < k; i++) {
            if (ws.state[i] != 1) {
                ws.state[i] = 1;
                ws.support[filled] = i;
                gamma[filled] = 0;
                filled++;
            }
        }
    }

    static final class Workspace {
        final double[] alpha;
        final byte[] state; // 0 free, 1 selected, 2 dependent
        final double[][] panel;
        final double[] lower;
        final double[] z;
        final double[] gamma;
        final int[] support;
        final long[] order;

        Workspace(int k, int s) {
            alpha = new double[k];
            state = new byte[k];
            panel = new double[s][k];
            lower = new double[s * s];
            z = new double[s];
            gamma = new double[s];
            support = new int[s];
            order = new long[s];
        }

        /** Writes the s entries sorted by row into the output slots starting at off. */
        void emit(int[] rows, float[] values, int off) {
            final int s = support.length;
            for (int t = 0; t < s; t++) order[t] = ((long) support[t] << 32) | t;
            Arrays.sort(order);
            for (int t = 0; t < s; t++) {
                rows[off + t] = (int) (order[t] >>> 32);
                values[off + t] = (float) gamma[(int) order[t]];
            }
        }
    }
}
