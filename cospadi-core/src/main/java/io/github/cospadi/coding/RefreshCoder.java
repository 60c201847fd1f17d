package io.github.cospadi.coding;

import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Warm-started hard-thresholding steps without a least-squares refit (docs/design.md §5.2, "support refresh"): per
 * column, from the previous code c, the gradient g = α⁰ − Γc and the step c ← H_s(c + μg) with μ = 1/max Γ_ii,
 * halved until the residual decreases. It is meant for the iterations of the alternation that do not run OMP: it
 * moves supports towards better atoms at the cost of about one gradient per step and trial — k·s multiply-adds per
 * column, done as one GEMM of k² per column for a block of 32 (OMP costs k·s²/2) — and the dictionary update that
 * follows refits the values.
 *
 * <p>The residual is tracked through the gradient, ‖y − Dc‖² − ‖y‖² = −cᵀ(α⁰ + g), so a trial costs one gradient
 * and no s × s products. A step is only taken when it lowers the residual, so the result never fits worse than the
 * warm start. Without a warm start it starts from H_s(α⁰ / diag Γ).
 */
final class RefreshCoder implements SparseCoder {
    private static final int MAX_HALVINGS = 6;
    /** Columns per block: one GEMM per block and trial (a multiple of the GEMM kernel's 4-row tile). */
    private static final int BLOCK = 32;

    private final int steps;

    RefreshCoder(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be positive, got " + steps);
        this.steps = steps;
    }

    @Override
    public String name() {
        return "refresh";
    }

    @Override
    public String toString() {
        return "RefreshCoder[steps=" + steps + "]";
    }

    @Override
    public int blockColumns() {
        return BLOCK;
    }

    /** It starts from the warm-start code and takes only steps that lower the residual. */
    @Override
    public boolean keepsWarmStart() {
        return true;
    }

    @Override
    public Supplier<ColumnCoder> prepare(CodingProblem problem) {
        final int k = problem.atoms(), n = problem.columns(), s = problem.nonzerosPerColumn();
        final DMatrixRMaj gram = problem.gram();
        final float[] gf = problem.gramFloat();
        final ColumnSparseMatrix warmStart = problem.warmStart();
        double maxDiag = 0;
        for (int i = 0; i < k; i++) maxDiag = Math.max(maxDiag, gram.data[i * k + i]);
        final float mu0 = (float) (maxDiag > 0 ? 1 / maxDiag : 1);
        // one code per row (n × k, dense), so that the gradients of a block of columns are one GEMM: Gᵀ = A⁰ᵀ − CᵀΓ;
        // A⁰ᵀ = Yᵀ·D is its own product (n × k, the GEMM's row layout) rather than the problem's Dᵀ·Y transposed
        final float[] a0 = DenseOps.multTransA(problem.targets(), problem.dictionary(), problem.parallelism()).data;
        final float[] code = new float[n * k], grad = new float[n * k], cand = new float[n * k], candGrad = new float[n * k];
        return () -> new ColumnCoder() {
            @Override
            public void code(int column, int[] rows, float[] values) {
                codeBlock(column, column + 1, rows, values);
            }

            @Override
            public void codeBlock(int from, int to, int[] rows, float[] values) {
                final FloatOps ops = FloatOps.get();
                final Work w = new Work(k, s);
                final int width = to - from;
                final int[] support = new int[width * s], trial = new int[width * s];
                final double[] f = new double[width];
                final float[] mu = new float[width];
                final boolean[] moving = new boolean[width], trying = new boolean[width];
                for (int q = 0; q < width; q++) {
                    final int j = from + q, off = j * k;
                    if (warmStart != null) {
                        for (int t = 0; t < s; t++) {
                            support[q * s + t] = warmStart.rowIndices()[j * s + t];
                            code[off + support[q * s + t]] = warmStart.values()[j * s + t];
                        }
                    } else {
                        for (int i = 0; i < k; i++) {
                            w.c[i] = gram.data[i * k + i] > 0 ? (float) (a0[off + i] / gram.data[i * k + i]) : 0f;
                        }
                        threshold(w.c, s, w, support, q * s);
                        System.arraycopy(w.c, 0, code, off, k);
                    }
                }
                gradients(code, gf, a0, grad, k, from, to, null, support, s, ops);
                for (int q = 0; q < width; q++) {
                    f[q] = objective(code, a0, grad, (from + q) * k, support, q * s, s);
                    moving[q] = true;
                }
                for (int step = 0; step < steps; step++) {
                    for (int q = 0; q < width; q++) {
                        mu[q] = mu0;
                        trying[q] = moving[q];
                        moving[q] = false;
                    }
                    for (int h = 0; h < MAX_HALVINGS; h++) {
                        int tries = 0;
                        for (int q = 0; q < width; q++) {
                            if (!trying[q]) continue;
                            tries++;
                            final int off = (from + q) * k;
                            final float m = mu[q];
                            for (int i = 0; i < k; i++) w.c[i] = code[off + i] + m * grad[off + i];
                            threshold(w.c, s, w, trial, q * s);
                            System.arraycopy(w.c, 0, cand, off, k);
                        }
                        if (tries == 0) break;
                        gradients(cand, gf, a0, candGrad, k, from, to, 4 * tries >= width ? null : trying, trial, s, ops);
                        for (int q = 0; q < width; q++) {
                            if (!trying[q]) continue;
                            final int off = (from + q) * k;
                            final double value = objective(cand, a0, candGrad, off, trial, q * s, s);
                            if (value < f[q]) {
                                System.arraycopy(cand, off, code, off, k);
                                System.arraycopy(candGrad, off, grad, off, k);
                                System.arraycopy(trial, q * s, support, q * s, s);
                                f[q] = value;
                                trying[q] = false;
                                moving[q] = true;
                            } else {
                                mu[q] *= 0.5f;
                            }
                        }
                    }
                }
                for (int q = 0; q < width; q++) {
                    final int j = from + q, off = j * k;
                    Arrays.sort(support, q * s, (q + 1) * s);
                    for (int t = 0; t < s; t++) {
                        rows[j * s + t] = support[q * s + t];
                        values[j * s + t] = code[off + support[q * s + t]];
                    }
                }
            }
        };
    }

    /**
     * out_j = α⁰_j − Γc_j for the code rows j in [from, to) (supports[(j − from)·s ..] lists the nonzeros of row j):
     * one register-tiled GEMM over the block — the codes are stored dense; at ρ = 2 half their entries are nonzero, so
     * the GEMM does twice the sparse work at several times its speed — or, when only the rows flagged in {@code only}
     * need it, k·s axpys per flagged row.
     */
    private static void gradients(float[] code, float[] gf, float[] a0, float[] out, int k, int from, int to,
                                  boolean[] only, int[] supports, int s, FloatOps ops) {
        if (only == null) {
            ops.gemmTransposedA(code, k, gf, k, out, from, to); // out = C·Γ (Γ symmetric)
            for (int i = from * k; i < to * k; i++) out[i] = a0[i] - out[i];
            return;
        }
        for (int q = 0; q < to - from; q++) {
            if (!only[q]) continue;
            final int off = (from + q) * k;
            System.arraycopy(a0, off, out, off, k);
            for (int t = 0; t < s; t++) {
                final int p = supports[q * s + t];
                final float cp = code[off + p];
                if (cp != 0f) ops.axpy(-cp, gf, p * k, out, off, k); // Γ is symmetric: row p is column p
            }
        }
    }

    /** ‖y − Dc‖² − ‖y‖² = −cᵀ(α⁰ + g) over the s nonzeros listed at support[sOff ..], in double. */
    private static double objective(float[] code, float[] a0, float[] grad, int off, int[] support, int sOff, int s) {
        double f = 0;
        for (int t = 0; t < s; t++) {
            final int p = off + support[sOff + t];
            f -= (double) code[p] * ((double) a0[p] + grad[p]);
        }
        return f;
    }

    /**
     * Keeps the s largest |v_i| (ties: lower index) in v, zeroing the rest; their indices go to support (in index
     * order). The s-th largest magnitude is found by quickselect (O(k) expected, not a sort).
     */
    static void threshold(float[] v, int s, Work w, int[] support, int sOff) {
        final int k = v.length;
        final float[] mags = w.mags;
        for (int i = 0; i < k; i++) mags[i] = Math.abs(v[i]);
        final float tau = select(mags, k - s);
        int above = 0;
        for (int i = 0; i < k; i++) if (Math.abs(v[i]) > tau) above++;
        int ties = s - above; // entries equal to tau that are kept, lowest indices first
        int t = 0;
        for (int i = 0; i < k; i++) {
            final float a = Math.abs(v[i]);
            if (a > tau || (a == tau && ties-- > 0)) {
                support[sOff + t++] = i;
            } else {
                v[i] = 0f;
            }
        }
    }

    /** The value of rank r (0-based, ascending) of a[0..a.length), reordering a (Hoare's quickselect, median of 3). */
    private static float select(float[] a, int r) {
        int lo = 0, hi = a.length - 1;
        while (hi > lo) {
            final int mid = (lo + hi) >>> 1;
            // median of three as the pivot
            float x = a[lo], y = a[mid], z = a[hi];
            final float pivot = x < y ? (y < z ? y : Math.max(x, z)) : (x < z ? x : Math.max(y, z));
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    final float tmp = a[i];
                    a[i] = a[j];
                    a[j] = tmp;
                    i++;
                    j--;
                }
            }
            if (r <= j) {
                hi = j;
            } else if (r >= i) {
                lo = i;
            } else {
                return a[r];
            }
        }
        return a[r];
    }

    static final class Work {
        final float[] c, mags;

        Work(int k, int s) {
            c = new float[k];
            mags = new float[k];
        }
    }
}
