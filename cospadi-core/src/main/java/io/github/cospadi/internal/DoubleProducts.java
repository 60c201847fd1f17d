package io.github.cospadi.internal;

import io.github.cospadi.common.Parallelism;

/**
 * Dense double products on the register-tiled double kernel {@link FloatOps#subtractProduct}: B is packed in panels
 * of {@link #DEPTH} × {@link #WIDTH} so the kernel streams contiguous rows, and the rows of C are split into fixed
 * blocks, so every element is summed in the same order whatever the thread count. Row-major flat arrays throughout.
 */
public final class DoubleProducts {
    /** Depth (inner dimension) per packed panel of B. */
    static final int DEPTH = 256;
    /** Columns per packed panel of B. */
    static final int WIDTH = 256;
    /** Rows of C per parallel tile of the product (a multiple of the kernel's 4-row tile). */
    static final int ROWS_PER_TILE = 128;
    /** Rows of G per parallel block of the Gram (a multiple of the kernel's 4-row tile). */
    static final int ROWS = 32;
    private static final ThreadLocal<double[]> PANEL = ThreadLocal.withInitial(() -> new double[DEPTH * WIDTH]);

    private DoubleProducts() {}

    /**
     * C −= A·B for A (rows × depth at a[aOff], leading dimension lda), B (depth × cols at b[bOff], ldb) and C (rows ×
     * cols at c[cOff], ldc). Parallel over fixed tiles of {@link #ROWS_PER_TILE} rows × {@link #WIDTH} columns; each
     * tile packs its panel of B per {@link #DEPTH} slice of the inner dimension, and every element accumulates the
     * slices in order.
     */
    public static void subtractProduct(double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double[] c, int cOff,
                                       int ldc, int rows, int cols, int depth, Parallelism parallelism) {
        if (rows == 0 || cols == 0 || depth == 0) return;
        final int rowTiles = (rows + ROWS_PER_TILE - 1) / ROWS_PER_TILE, colTiles = (cols + WIDTH - 1) / WIDTH;
        parallelism.forEachBlock(rowTiles * colTiles, 1, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final double[] panel = PANEL.get();
            for (int tile = from; tile < to; tile++) {
                final int i0 = (tile / colTiles) * ROWS_PER_TILE, j0 = (tile % colTiles) * WIDTH;
                final int mr = Math.min(ROWS_PER_TILE, rows - i0), nc = Math.min(WIDTH, cols - j0);
                for (int d0 = 0; d0 < depth; d0 += DEPTH) {
                    final int dk = Math.min(DEPTH, depth - d0);
                    for (int r = 0; r < dk; r++) System.arraycopy(b, bOff + (d0 + r) * ldb + j0, panel, r * nc, nc);
                    ops.subtractProduct(a, aOff + i0 * lda + d0, lda, panel, 0, nc, c, cOff + i0 * ldc + j0, ldc, mr, nc, dk);
                }
            }
        });
    }

    /** C = A·B (rows × cols, new array) for row-major A (rows × depth) and B (depth × cols). */
    public static double[] multiply(double[] a, double[] b, int rows, int depth, int cols, Parallelism parallelism) {
        final double[] neg = new double[rows * depth];
        for (int i = 0; i < neg.length; i++) neg[i] = -a[i];
        final double[] c = new double[rows * cols];
        subtractProduct(neg, 0, depth, b, 0, cols, c, 0, cols, rows, cols, depth, parallelism);
        return c;
    }

    /**
     * G = X·Xᵀ (p × p, symmetric, new array) for a row-major X (p × q): the lower triangle by blocks of rows, mirrored.
     */
    public static double[] gramOfRows(double[] x, int p, int q, Parallelism parallelism) {
        final double[] xt = new double[q * p];
        for (int i = 0; i < p; i++) for (int j = 0; j < q; j++) xt[j * p + i] = x[i * q + j];
        final double[] g = new double[p * p];
        // rows [from, to) of G, columns [0, to): −(X·Xᵀ) accumulates in g, depth in panels of DEPTH (in order)
        parallelism.forEachBlock(p, ROWS, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int d0 = 0; d0 < q; d0 += DEPTH) {
                ops.subtractProduct(x, from * q + d0, q, xt, d0 * p, p, g, from * p, p, to - from, to, Math.min(DEPTH, q - d0));
            }
        });
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                final double v = -g[i * p + j];
                g[i * p + j] = v;
                g[j * p + i] = v;
            }
        }
        return g;
    }
}
