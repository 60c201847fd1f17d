package io.github.cospadi.coding;

import io.github.cospadi.Parallelism;
import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.util.Arrays;

/**
 * Batch-OMP (Rubinstein, Zibulevsky, Elad 2008) with progressive panel bookkeeping in mixed precision: the same
 * algorithm as {@link ReferenceOmpCoder} (its oracle), with the k × t panel P = Γ_{:,I}L⁻ᵀ and the correlations α
 * in float — the panel GEMV p_t = (Γ_{:,i} − P·w)/d is the hot loop and is bandwidth-bound, so float halves its
 * cost and lets {@link FloatOps#subtractTransposedProduct} run on the Vector API — while the Cholesky row w, the
 * pivot d² = Γ_ii − ‖w‖², z and the final back-substitution Lᵀγ = z stay in double. Columns are coded in parallel
 * in fixed blocks with one workspace per block; nothing is allocated per column.
 */
final class OmpCoder implements SparseCoder {
    static final OmpCoder INSTANCE = new OmpCoder();

    /**
     * A candidate whose pivot² is below this fraction of Γ_ii is treated as dependent on the selected atoms; relative
     * and much larger than in the double reference because the panel is float (peers.md §2.1 pitfalls).
     */
    static final double DEPENDENCE_TOLERANCE = 1e-5;
    /** Columns per parallel block. */
    private static final int BLOCK = 16;

    private OmpCoder() {}

    @Override
    public String name() {
        return "omp";
    }

    @Override
    public ColumnSparseMatrix encode(FMatrixRMaj dictionary, FMatrixRMaj targets, int s, ColumnSparseMatrix warmStart,
                                     Parallelism parallelism) {
        CodingChecks.check(dictionary, targets, s, warmStart);
        final int k = dictionary.numCols, n = targets.numCols;
        final DMatrixRMaj gram = DenseOps.gram(dictionary, parallelism);
        final float[] gramF = new float[k * k];
        for (int i = 0; i < gramF.length; i++) gramF[i] = (float) gram.data[i];
        final FMatrixRMaj correlations = DenseOps.multTransA(dictionary, targets, parallelism); // (k x n)
        final double[] targetNorms = DenseOps.columnNormsSquared(targets);
        final int[] rows = new int[n * s];
        final float[] values = new float[n * s];
        parallelism.forEachBlock(n, BLOCK, (from, to) -> {
            final Workspace ws = new Workspace(k, s);
            final FloatOps ops = FloatOps.get();
            for (int j = from; j < to; j++) {
                codeColumn(gram.data, gramF, k, correlations, j, s, ws, ops);
                final int off = j * s;
                ws.emit(rows, values, off);
                CodingChecks.keepBetter(gram.data, k, correlations, j, targetNorms[j], s, rows, values, warmStart);
            }
        });
        return new ColumnSparseMatrix(k, n, s, rows, values);
    }

    private static void codeColumn(double[] g, float[] gf, int k, FMatrixRMaj correlations, int j, int s, Workspace ws,
                                   FloatOps ops) {
        final float[] alpha = ws.alpha;
        final int n = correlations.numCols;
        for (int i = 0; i < k; i++) alpha[i] = correlations.data[i * n + j];
        Arrays.fill(ws.state, (byte) 0);
        final float[] panel = ws.panel; // (s x k): row l is p_l
        final double[] lower = ws.lower; // (s x s) lower triangle of L
        final float[] w = ws.w;
        final double[] z = ws.z;
        int t = 0;
        while (t < s) {
            int best = -1;
            float bestAbs = -1;
            for (int i = 0; i < k; i++) {
                final float a = Math.abs(alpha[i]);
                if (a > bestAbs && ws.state[i] == 0) {
                    bestAbs = a;
                    best = i;
                }
            }
            if (best < 0) break; // every atom selected or dependent
            final double gii = g[best * k + best];
            double w2 = 0;
            for (int l = 0; l < t; l++) {
                final float wl = panel[l * k + best];
                w[l] = wl;
                lower[t * s + l] = wl;
                w2 += (double) wl * wl;
            }
            final double d2 = gii - w2;
            if (!(d2 > DEPENDENCE_TOLERANCE * gii)) {
                ws.state[best] = 2;
                continue;
            }
            final double d = Math.sqrt(d2);
            lower[t * s + t] = d;
            // p_t = (Γ[best, :] − Pᵀw) / d, computed in a separate row, then appended to the panel
            final int pt = t * k;
            final float[] row = ws.row;
            System.arraycopy(gf, best * k, row, 0, k);
            if (t > 0) ops.subtractTransposedProduct(panel, t, k, w, row);
            final float inv = (float) (1 / d);
            for (int i = 0; i < k; i++) panel[pt + i] = row[i] * inv;
            final double zt = alpha[best] / d;
            z[t] = zt;
            ops.axpy((float) -zt, panel, pt, alpha, 0, k);
            ws.state[best] = 1;
            ws.support[t] = best;
            t++;
        }
        // γ = L⁻ᵀ z
        final double[] gamma = ws.gamma;
        for (int a = t - 1; a >= 0; a--) {
            double v = z[a];
            for (int b = a + 1; b < t; b++) v -= lower[b * s + a] * gamma[b];
            gamma[a] = v / lower[a * s + a];
        }
        int filled = t;
        for (int i = 0; filled < s && i < k; i++) {
            if (ws.state[i] != 1) {
                ws.state[i] = 1;
                ws.support[filled] = i;
                gamma[filled++] = 0;
            }
        }
    }

    private static final class Workspace {
        final float[] alpha, panel, w, row;
        final double[] lower, z, gamma;
        final byte[] state;
        final int[] support;
        final long[] order;

        Workspace(int k, int s) {
            alpha = new float[k];
            panel = new float[s * k];
            w = new float[s];
            row = new float[k];
            lower = new double[s * s];
            z = new double[s];
            gamma = new double[s];
            state = new byte[k];
            support = new int[s];
            order = new long[s];
        }

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
