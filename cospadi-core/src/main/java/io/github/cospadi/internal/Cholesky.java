package io.github.cospadi.internal;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.DMatrixRMaj;

/**
 * Blocked right-looking Cholesky factorization in double, G + δI = C·Cᵀ with C lower triangular, returned as the upper
 * factor L = Cᵀ (LᵀL = G + δI, docs/design.md §3). Per panel of {@link #PANEL} columns: the diagonal block is
 * factored unblocked, the rows below it are solved against it, and the trailing lower triangle is updated by
 * {@link FloatOps#subtractProduct} in fixed blocks of rows — parallel, and bit-identical for any thread count because
 * every element is reduced in the same order (the panel's dot products on {@link FloatOps#dot}). EJML's blocked Cholesky is the oracle in tests.
 */
public final class Cholesky {
    /** Columns per panel. */
    static final int PANEL = 128;
    /** Rows per parallel block of the panel solve and the trailing update (a multiple of the kernel's 4-row tile). */
    private static final int ROWS = 64;

    private Cholesky() {}

    /**
     * The upper factor L of G + shift·I, or null when a pivot² is not positive or falls below minPivot2 (G is then not
     * numerically positive definite). G is not modified; its symmetric part (G + Gᵀ)/2 is factored.
     */
    public static DMatrixRMaj upper(DMatrixRMaj g, double shift, double minPivot2, Parallelism parallelism) {
        final int n = g.numRows;
        final double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) a[i * n + j] = 0.5 * (g.data[i * n + j] + g.data[j * n + i]); // (G + Gᵀ)/2
            a[i * n + i] = g.data[i * n + i] + shift;
        }
        final double[] panelT = new double[PANEL * n];
        for (int start = 0; start < n; start += PANEL) {
            final int kb = start;
            final int e = Math.min(kb + PANEL, n), w = e - kb;
            // 1. diagonal block, unblocked
            final FloatOps ops = FloatOps.get();
            for (int j = kb; j < e; j++) {
                final double d = a[j * n + j] - ops.dot(a, j * n + kb, a, j * n + kb, j - kb);
                if (!(d > 0) || d < minPivot2) return null;
                final double pivot = Math.sqrt(d);
                a[j * n + j] = pivot;
                for (int i = j + 1; i < e; i++) a[i * n + j] = (a[i * n + j] - ops.dot(a, i * n + kb, a, j * n + kb, j - kb)) / pivot;
            }
            if (e == n) break;
            // 2. the rows below: a[i, kb:e] ← a[i, kb:e]·C11⁻ᵀ, and the panel transposed for the update
            final int below = n - e;
            parallelism.forEachBlock(below, ROWS, (from, to) -> {
                final FloatOps o = FloatOps.get();
                for (int q = from; q < to; q++) {
                    final int i = e + q;
                    for (int j = kb; j < e; j++) {
                        final double v = (a[i * n + j] - o.dot(a, i * n + kb, a, j * n + kb, j - kb)) / a[j * n + j];
                        a[i * n + j] = v;
                        panelT[(j - kb) * below + q] = v;
                    }
                }
            });
            // 3. trailing lower triangle: a[i, e:i] −= a[i, kb:e]·a[e:i, kb:e]ᵀ (whole tiles; entries above the diagonal
            //    of A22 are written too and never read)
            parallelism.forEachBlock(below, ROWS, (from, to) -> FloatOps.get().subtractProduct(
                    a, (e + from) * n + kb, n, panelT, 0, below, a, (e + from) * n + e, n, to - from, to, w));
        }
        // L = Cᵀ in place (the strict upper part of a holds trailing-update leftovers): one n² array in all
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                a[j * n + i] = a[i * n + j];
                a[i * n + j] = 0;
            }
        }
        return DMatrixRMaj.wrap(n, n, a);
    }

    /** Rows per block of the blocked triangular solves; columns per parallel block. */
    private static final int SOLVE_ROWS = 64, SOLVE_COLUMNS = 64;

    /**
     * Solves L·X = B in place for an upper triangular L (n × n row-major, {@code upper}) and X, B (n × cols row-major,
     * {@code x}): blocked back substitution from the last block of {@link #SOLVE_ROWS} rows up, X_I ← X_I −
     * L[I, below]·X[below] on the double tile kernel ({@link FloatOps#subtractProduct}), then row operations within
     * the block. Parallel over fixed blocks of columns, so the thread count does not change the result. Row-by-row
     * substitution is the test oracle.
     */
    public static void solveUpper(double[] upper, int n, double[] x, int cols, Parallelism parallelism) {
        for (int end = n; end > 0; end -= SOLVE_ROWS) {
            final int i0 = Math.max(0, end - SOLVE_ROWS), i1 = end;
            parallelism.forEachBlock(cols, SOLVE_COLUMNS, (from, to) -> {
                final FloatOps ops = FloatOps.get();
                final int w = to - from;
                if (i1 < n) ops.subtractProduct(upper, i0 * n + i1, n, x, i1 * cols + from, cols, x, i0 * cols + from, cols, i1 - i0, w, n - i1);
                for (int i = i1 - 1; i >= i0; i--) {
                    for (int p = i + 1; p < i1; p++) {
                        final double c = upper[i * n + p];
                        if (c != 0) ops.axpy(-c, x, p * cols + from, x, i * cols + from, w);
                    }
                    final double inv = 1 / upper[i * n + i];
                    for (int j = from; j < to; j++) x[i * cols + j] *= inv;
                }
            });
        }
    }

    /**
     * Solves L·X = B in place for a lower triangular L (n × n row-major): blocked forward substitution, the mirror of
     * {@link #solveUpper}. With L = Uᵀ it solves Uᵀ·X = B for the upper factor U of {@link #upper}.
     */
    public static void solveLower(double[] lower, int n, double[] x, int cols, Parallelism parallelism) {
        for (int i0 = 0; i0 < n; i0 += SOLVE_ROWS) {
            final int start = i0, i1 = Math.min(n, i0 + SOLVE_ROWS);
            parallelism.forEachBlock(cols, SOLVE_COLUMNS, (from, to) -> {
                final FloatOps ops = FloatOps.get();
                final int w = to - from;
                if (start > 0) ops.subtractProduct(lower, start * n, n, x, from, cols, x, start * cols + from, cols, i1 - start, w, start);
                for (int i = start; i < i1; i++) {
                    for (int p = start; p < i; p++) {
                        final double c = lower[i * n + p];
                        if (c != 0) ops.axpy(-c, x, p * cols + from, x, i * cols + from, w);
                    }
                    final double inv = 1 / lower[i * n + i];
                    for (int j = from; j < to; j++) x[i * cols + j] *= inv;
                }
            });
        }
    }
}
