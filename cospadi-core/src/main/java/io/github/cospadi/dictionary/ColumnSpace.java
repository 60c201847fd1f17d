package io.github.cospadi.dictionary;

import io.github.cospadi.common.CompressionException;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.Cholesky;
import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Thin QR Y = Q·B of a tall target (m × n, m > n): an orthonormal basis Q (m × n) and coordinates B = QᵀY (n × n),
 * upper triangular. Any orthonormal basis of span(Y) serves (docs/design.md §5).
 */
final class ColumnSpace {
    /** From this many columns on the blocked QR is used. */
    static final int BLOCKED_QR_COLUMNS = 128;
    /** Rows of the Gram per parallel block (a multiple of the double kernel's row tile). */
    private static final int GRAM_ROWS = 64;
    /** Rows of Q per parallel block of the triangular solve: they share every row of R while it is in cache. */
    private static final int SOLVE_ROWS = 32;
    private final FMatrixRMaj basis;       // Q (m x n)
    private final FMatrixRMaj coordinates; // B (n x n)

    private ColumnSpace(FMatrixRMaj basis, FMatrixRMaj coordinates) {
        this.basis = basis;
        this.coordinates = coordinates;
    }

    /** CholeskyQR2 when Y is well enough conditioned for it (the usual case), else EJML's blocked Householder QR. */
    static ColumnSpace of(FMatrixRMaj y, Parallelism parallelism) {
        final ColumnSpace fast = choleskyQr2(y, parallelism);
        return fast != null ? fast : householder(y);
    }

    /**
     * The Householder QR (EJML's blocked one from {@link #BLOCKED_QR_COLUMNS} columns on: 16 s instead of 41 s for the
     * column Householder at 8192 × 2048, same math). Single-threaded; the fallback of {@link #choleskyQr2}.
     */
    static ColumnSpace householder(FMatrixRMaj y) {
        final int m = y.numRows, n = y.numCols;
        final DMatrixRMaj a = DenseOps.toDouble(y);
        final QRDecomposition<DMatrixRMaj> qr = n >= BLOCKED_QR_COLUMNS
                ? new org.ejml.dense.row.decomposition.qr.QRDecomposition_DDRB_to_DDRM() : DecompositionFactory_DDRM.qr(m, n);
        if (!qr.decompose(a)) throw new CompressionException("QR of the " + m + "x" + n + " whitened weight failed");
        return of(qr.getQ(null, true).data, qr.getR(null, true).data, m, n);
    }

    /**
     * CholeskyQR2 (Fujiwara, Fukaya, Yamamoto et al.) in double on the vectorized, parallel kernels: R₁ = chol(YᵀY),
     * Q₁ = Y·R₁⁻¹, then once more on Q₁ to restore orthogonality, R = R₂·R₁. Four GEMM-class passes instead of a
     * sequential Householder QR. It needs cond(Y) ≲ 1/√ε: returns null when a Cholesky fails or when Q₁ is far from
     * orthonormal (|Q₁ᵀQ₁ − I| ≥ 1/2 somewhere), and the caller falls back to Householder.
     */
    static ColumnSpace choleskyQr2(FMatrixRMaj y, Parallelism parallelism) {
        final int m = y.numRows, n = y.numCols;
        final double[] q = DenseOps.toDouble(y).data; // becomes Q in place
        final DMatrixRMaj g1 = columnGram(q, m, n, parallelism);
        double maxDiag = 0;
        for (int i = 0; i < n; i++) maxDiag = Math.max(maxDiag, g1.data[i * n + i]);
        if (!(maxDiag > 0) || !Double.isFinite(maxDiag)) return null;
        final DMatrixRMaj r1 = Cholesky.upper(g1, 0, 1e-13 * maxDiag, parallelism);
        if (r1 == null) return null;
        solveUpperFromRight(q, m, n, r1.data, parallelism);
        final DMatrixRMaj g2 = columnGram(q, m, n, parallelism);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (!(Math.abs(g2.data[i * n + j] - (i == j ? 1 : 0)) < 0.5)) return null;
            }
        }
        final DMatrixRMaj r2 = Cholesky.upper(g2, 0, 0.25, parallelism);
        if (r2 == null) return null;
        solveUpperFromRight(q, m, n, r2.data, parallelism);
        final double[] r = new double[n * n]; // R = R₂·R₁, upper triangular
        parallelism.forEachBlock(n, 16, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int i = from; i < to; i++) {
                for (int p = i; p < n; p++) {
                    final double v = r2.data[i * n + p];
                    if (v != 0) ops.axpy(v, r1.data, p * n + p, r, i * n + p, n - p);
                }
            }
        });
        return of(q, r, m, n);
    }

    private static ColumnSpace of(double[] q, double[] r, int m, int n) {
        return new ColumnSpace(FMatrixRMaj.wrap(m, n, DenseOps.toFloat(q)), FMatrixRMaj.wrap(n, n, DenseOps.toFloat(r)));
    }

    /** AᵀA (n × n, symmetric) for A (m × n) row-major, by the double tile kernel over the lower triangle. */
    static DMatrixRMaj columnGram(double[] a, int m, int n, Parallelism parallelism) {
        final double[] at = new double[n * m];
        for (int r = 0; r < m; r++) for (int i = 0; i < n; i++) at[i * m + r] = a[r * n + i];
        final DMatrixRMaj g = new DMatrixRMaj(n, n);
        // rows [from, to) of G, columns [0, to): the lower triangle and the diagonal blocks; −(Aᵀ·A) accumulates in g
        parallelism.forEachBlock(n, GRAM_ROWS, (from, to) ->
                FloatOps.get().subtractProduct(at, from * m, m, a, 0, n, g.data, from * n, n, to - from, to, m));
        final double[] d = g.data;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                final double v = -d[i * n + j];
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
        }
        return g;
    }

    /** Q ← Q·R⁻¹ for R upper triangular (n × n), row by row (blocks of rows share each row of R). */
    static void solveUpperFromRight(double[] q, int m, int n, double[] r, Parallelism parallelism) {
        parallelism.forEachBlock(m, SOLVE_ROWS, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int j = 0; j < n; j++) {
                final double inv = 1 / r[j * n + j];
                for (int i = from; i < to; i++) {
                    final double z = q[i * n + j] * inv;
                    q[i * n + j] = z;
                    if (z != 0 && j + 1 < n) ops.axpy(-z, r, j * n + j + 1, q, i * n + j + 1, n - j - 1);
                }
            }
        });
    }

    /** Q (m × n), for tests. */
    FMatrixRMaj basisView() {
        return basis;
    }

    FMatrixRMaj coordinates() {
        return coordinates;
    }

    /** D = Q·D_B (m × k), accumulated in double per row. */
    FMatrixRMaj lift(FMatrixRMaj reduced, Parallelism parallelism) {
        final int m = basis.numRows, n = basis.numCols, k = reduced.numCols;
        final FMatrixRMaj out = new FMatrixRMaj(m, k);
        parallelism.forEachBlock(m, 32, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int i = from; i < to; i++) {
                for (int p = 0; p < n; p++) {
                    final float q = basis.data[i * n + p];
                    if (q != 0f) ops.axpy(q, reduced.data, p * k, out.data, i * k, k);
                }
            }
        });
        return out;
    }
}
