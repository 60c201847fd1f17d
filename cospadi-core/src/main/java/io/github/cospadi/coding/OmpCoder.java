package io.github.cospadi.coding;

import io.github.cospadi.internal.FloatOps;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Batch-OMP (Rubinstein, Zibulevsky, Elad 2008) with progressive panel bookkeeping in mixed precision: the same
 * algorithm as {@link ReferenceOmpCoder} (its oracle), with the k × t panel P = Γ_{:,I}L⁻ᵀ and the correlations α
 * in float — the panel GEMV p_t = (Γ_{:,i} − P·w)/d is the hot loop and is bandwidth-bound, so float halves its
 * cost and lets {@link FloatOps#subtractTransposedProduct} run on the Vector API — while the Cholesky row w, the
 * pivot d² = Γ_ii − ‖w‖², z and the final back-substitution Lᵀγ = z stay in double. Blocks of 16 columns, one
 * workspace per block; nothing is allocated per column.
 */
final class OmpCoder implements SparseCoder {
    static final OmpCoder INSTANCE = new OmpCoder();

    /**
     * A candidate whose pivot² is below this fraction of Γ_ii is treated as dependent on the selected atoms; relative
     * and much larger than in the double reference because the panel is float (peers.md §2.1 pitfalls).
     */
    static final double DEPENDENCE_TOLERANCE = 1e-5;
    /** Retired positions that trigger a compaction, at least (else one sixteenth of the live positions). */
    private static final int MIN_COMPACTION = 16;
    /** Columns per parallel block. */
    private static final int BLOCK = 16;

    private OmpCoder() {}

    @Override
    public String name() {
        return "omp";
    }

    @Override
    public int blockColumns() {
        return BLOCK;
    }

    @Override
    public Supplier<ColumnCoder> prepare(CodingProblem problem) {
        final int k = problem.atoms(), n = problem.columns(), s = problem.nonzerosPerColumn();
        final double[] gram = problem.gram().data;
        final float[] gramF = problem.gramFloat();
        final float[] correlations = problem.correlations().data; // (k x n)
        return () -> new ColumnCoder() {
            final FloatOps ops = FloatOps.get();
            final Workspace ws = new Workspace(k, s, ops.lanes());
            float[] start = new float[0];

            @Override
            public void code(int column, int[] rows, float[] values) {
                codeBlock(column, column + 1, rows, values);
            }

            @Override
            public void codeBlock(int from, int to, int[] rows, float[] values) {
                // the block's columns of Dᵀy, made contiguous once: one cache line per row of the k × n correlations
                // for all of them, instead of one per row and column
                if (start.length < (to - from) * k) start = new float[(to - from) * k];
                for (int i = 0; i < k; i++) {
                    for (int j = from; j < to; j++) start[(j - from) * k + i] = correlations[i * n + j];
                }
                for (int j = from; j < to; j++) {
                    codeColumn(gram, gramF, k, start, (j - from) * k, s, ws, ops);
                    ws.emit(rows, values, j * s);
                }
            }
        };
    }

    /**
     * One column. The atoms still eligible (neither selected nor found dependent) are kept at the front positions
     * [0, live) of α and of every panel row, through the permutation {@code atomAt}: an atom that leaves is marked
     * dead, and once enough are dead the live positions are compacted in order (one sequential pass over the panel).
     * The panel GEMV then runs over about k − t positions, Σ_t (k − t)·t multiply-adds instead of k·s²/2 — a third
     * less at s = k/2. (Swapping each leaving position with the last one instead costs t scattered accesses per
     * step and was measured slower.)
     */
    static void codeColumn(double[] g, float[] gf, int k, float[] start, int startOff, int s, Workspace ws,
                                   FloatOps ops) {
        final float[] alpha = ws.alpha;
        final int[] atomAt = ws.atomAt;
        System.arraycopy(start, startOff, alpha, 0, k); // α⁰ = Dᵀy
        for (int i = 0; i < k; i++) atomAt[i] = i;
        Arrays.fill(ws.state, (byte) 0);
        final float[] panel = ws.panel; // (s x stride): row l is p_l, at the positions of atomAt
        final int ld = ws.stride;
        final double[] lower = ws.lower; // (s x s) lower triangle of L
        final float[] w = ws.w;
        final double[] z = ws.z;
        final boolean[] dead = ws.dead;
        Arrays.fill(dead, false);
        // compaction saves up to (2/3)·s/k of the panel work; below s = k/4 its bookkeeping costs more than that
        final boolean compacting = 4L * s >= k;
        int live = k;    // positions [0, live) hold eligible atoms and the not yet compacted retired ones
        int retired = 0; // retired positions among [0, live)
        int t = 0;
        while (t < s && retired < live) {
            // retired positions hold α = 0, so the vector argmax can only land on one when every live |α| is 0
            int p = ops.argMaxAbs(alpha, live);
            if (dead[p]) {
                float bestAbs = -1;
                for (int i = 0; i < live; i++) {
                    final float a = Math.abs(alpha[i]);
                    if (a > bestAbs && !dead[i]) {
                        bestAbs = a;
                        p = i;
                    }
                }
            }
            final int best = atomAt[p];
            final double gii = g[best * k + best];
            double w2 = 0;
            for (int l = 0; l < t; l++) {
                final float wl = panel[l * ld + p];
                w[l] = wl;
                w2 += (double) wl * wl;
            }
            final float alphaBest = alpha[p];
            // retire position p; compact the active positions once enough have retired
            dead[p] = true;
            alpha[p] = 0f;
            ws.pending[retired] = p;
            if (++retired >= Math.max(MIN_COMPACTION, live >> 4) && compacting) {
                live = compact(ws, t, live, retired);
                retired = 0;
            }
            final double d2 = gii - w2;
            if (!(d2 > DEPENDENCE_TOLERANCE * gii)) {
                ws.state[best] = 2;
                continue;
            }
            for (int l = 0; l < t; l++) lower[t * s + l] = w[l];
            final double d = Math.sqrt(d2);
            lower[t * s + t] = d;
            // p_t = (Γ[best, :] − Pᵀw) / d over the active positions, computed in a separate row, then appended
            final int pt = t * ld;
            final float[] row = ws.row;
            final int gRow = best * k;
            // positions up to the next whole vector are computed too (their values are never read), so no scalar tail
            final int width = Math.min(ld, (live + ws.lanes - 1) / ws.lanes * ws.lanes);
            if (live == k) {
                System.arraycopy(gf, gRow, row, 0, k); // nothing compacted yet: the identity permutation
            } else {
                ops.gather(gf, gRow, atomAt, row, live);
            }
            Arrays.fill(row, live, width, 0f);
            if (t > 0) ops.subtractTransposedProduct(panel, 0, t, ld, width, w, 0, row);
            final float inv = (float) (1 / d);
            for (int i = 0; i < width; i++) panel[pt + i] = row[i] * inv;
            final double zt = alphaBest / d;
            z[t] = zt;
            ops.axpy((float) -zt, panel, pt, alpha, 0, width);
            for (int q = 0; q < retired; q++) alpha[ws.pending[q]] = 0f;
            ws.state[best] = 1;
            ws.support[t] = best;
            t++;
        }
        // γ = L⁻ᵀ z
        final double[] gamma = ws.gamma;
        // column-oriented back substitution: row b of L (contiguous) is subtracted once γ_b is known
        System.arraycopy(z, 0, gamma, 0, t);
        for (int b = t - 1; b >= 0; b--) {
            final double gb = gamma[b] / lower[b * s + b];
            gamma[b] = gb;
            final int row = b * s;
            for (int a = 0; a < b; a++) gamma[a] -= lower[row + a] * gb;
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

    /**
     * Moves the eligible positions of [0, live) to the front, keeping their order, in α, the permutation and the t
     * panel rows; returns the new live count.
     */
    private static int compact(Workspace ws, int t, int live, int retired) {
        final boolean[] dead = ws.dead;
        final int[] gaps = ws.gaps; // the dead positions in increasing order
        int g = 0;
        for (int p = 0; p < live && g < retired; p++) if (dead[p]) gaps[g++] = p;
        compactRuns(ws.alpha, 0, gaps, g, live);
        compactRuns(ws.atomAt, 0, gaps, g, live);
        for (int l = 0; l < t; l++) compactRuns(ws.panel, l * ws.stride, gaps, g, live);
        for (int q = 0; q < g; q++) dead[gaps[q]] = false;
        return live - g;
    }

    /**
     * Removes the positions gaps[0..g) (increasing) from a[off .. off+live) of a float or int array, moving the runs
     * between them down.
     */
    private static void compactRuns(Object a, int off, int[] gaps, int g, int live) {
        for (int q = 0; q < g; q++) {
            final int from = gaps[q] + 1, to = q + 1 < g ? gaps[q + 1] : live;
            System.arraycopy(a, off + from, a, off + from - (q + 1), to - from);
        }
    }

    static final class Workspace {
        final float[] alpha, panel, w, row;
        final double[] lower, z, gamma;
        final byte[] state;
        final boolean[] dead;
        final int[] support, atomAt, gaps, pending;
        /** Panel row stride: k rounded up to whole vectors, so the panel GEMV never needs a scalar tail. */
        final int stride, lanes;
        final long[] order;

        Workspace(int k, int s, int lanes) {
            this.lanes = lanes;
            stride = (k + lanes - 1) / lanes * lanes;
            gaps = new int[k];
            pending = new int[k];
            alpha = new float[stride];
            panel = new float[s * stride];
            w = new float[s];
            row = new float[stride];
            lower = new double[s * s];
            z = new double[s];
            gamma = new double[s];
            state = new byte[k];
            support = new int[s];
            atomAt = new int[stride];
            dead = new boolean[k];
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
