package io.github.cospadi.internal;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * Dense products used by the solvers, written for float storage with double accumulation where the
 * design asks for it. Parallel over fixed output blocks, so results do not depend on the thread count.
 */
public final class DenseOps {
    /** Rows of C per parallel block of the GEMM (a multiple of the kernel's 4-row tile). */
    private static final int GEMM_ROWS = 32;

    private DenseOps() {}

    /**
     * Γ = AᵀA (k × k) of a float matrix A (m × k) accumulated in double: the straightforward version, used by the
     * reference solvers. Symmetric by construction.
     */
    public static DMatrixRMaj gramExact(FMatrixRMaj A, Parallelism parallelism) {
        final int m = A.numRows, k = A.numCols;
        final float[] a = A.data;
        final DMatrixRMaj G = new DMatrixRMaj(k, k);
        final double[] g = G.data;
        parallelism.forEachBlock(k, 16, (from, to) -> {
            final double[] acc = new double[k];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(acc, 0, i + 1, 0.0);
                // G[i, j] = sum_r A[r, i] * A[r, j], for j <= i
                for (int r = 0; r < m; r++) {
                    final int row = r * k;
                    final double ari = a[row + i];
                    if (ari == 0) continue;
                    for (int j = 0; j <= i; j++) acc[j] += ari * a[row + j];
                }
                for (int j = 0; j <= i; j++) {
                    g[i * k + j] = acc[j];
                }
            }
        });
        for (int i = 0; i < k; i++) for (int j = 0; j < i; j++) g[j * k + i] = g[i * k + j];
        return G;
    }

    /**
     * Γ = AᵀA (k × k) of a float matrix A (m × k) through the float GEMM kernel, returned in double with the diagonal
     * (the squared atom norms, which pivots are compared against) accumulated exactly in double. Symmetric.
     */
    public static DMatrixRMaj gram(FMatrixRMaj A, Parallelism parallelism) {
        final int m = A.numRows, k = A.numCols;
        final FMatrixRMaj c = multTransA(A, A, parallelism);
        final DMatrixRMaj G = new DMatrixRMaj(k, k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < i; j++) {
                final double v = 0.5 * ((double) c.data[i * k + j] + c.data[j * k + i]);
                G.data[i * k + j] = v;
                G.data[j * k + i] = v;
            }
            double d = 0;
            for (int r = 0; r < m; r++) d += (double) A.data[r * k + i] * A.data[r * k + i];
            G.data[i * k + i] = d;
        }
        return G;
    }

    /**
     * C = AᵀB (float, k × n) for A (m × k) and B (m × n), through {@link FloatOps#gemmTransposedA} (register-tiled on
     * the Vector API). Parallel over fixed blocks of rows of C; every element is summed in the same order whatever the
     * thread count.
     */
    public static FMatrixRMaj multTransA(FMatrixRMaj A, FMatrixRMaj B, Parallelism parallelism) {
        if (A.numRows != B.numRows) {
            throw new IllegalArgumentException("A (" + Checks.shape(A) + ") and B (" + Checks.shape(B) + ") must have the same number of rows");
        }
        final int m = A.numRows, k = A.numCols, n = B.numCols;
        final float[] at = new float[k * m];
        for (int r = 0; r < m; r++) for (int i = 0; i < k; i++) at[i * m + r] = A.data[r * k + i];
        final FMatrixRMaj C = new FMatrixRMaj(k, n);
        parallelism.forEachBlock(k, GEMM_ROWS, (from, to) -> FloatOps.get().gemmTransposedA(at, m, B.data, n, C.data, from, to));
        return C;
    }

    /** Tile edge of {@link #transpose}: a 32 × 32 float tile of source and target fits L1. */
    private static final int TILE = 32;

    /**
     * t (cols × rows) = aᵀ for a (rows × cols), both row-major, in square tiles so that neither side is walked with a
     * stride of a whole row per element (the plain loop ran at one cache miss per element on 256 × 1536).
     */
    public static void transpose(float[] a, int rows, int cols, float[] t) {
        for (int i0 = 0; i0 < rows; i0 += TILE) {
            final int i1 = Math.min(rows, i0 + TILE);
            for (int j0 = 0; j0 < cols; j0 += TILE) {
                final int j1 = Math.min(cols, j0 + TILE);
                for (int i = i0; i < i1; i++) {
                    final int src = i * cols;
                    for (int j = j0; j < j1; j++) t[j * rows + i] = a[src + j];
                }
            }
        }
    }

    /** The double copy of a float matrix (same shape). */
    public static DMatrixRMaj toDouble(FMatrixRMaj a) {
        final DMatrixRMaj out = new DMatrixRMaj(a.numRows, a.numCols);
        for (int i = 0; i < out.data.length; i++) out.data[i] = a.data[i];
        return out;
    }

    /** A float copy of a double array (rounded to nearest). */
    public static float[] toFloat(double[] a) {
        final float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    /** Squared Euclidean norm of every column, in double. */
    public static double[] columnNormsSquared(FMatrixRMaj A) {
        final int m = A.numRows, n = A.numCols;
        final double[] out = new double[n];
        for (int r = 0; r < m; r++) {
            final int row = r * n;
            for (int j = 0; j < n; j++) {
                final double v = A.data[row + j];
                out[j] += v * v;
            }
        }
        return out;
    }
}
