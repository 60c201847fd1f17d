package io.github.cospadi;

import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/** Truncated SVD for the baselines (docs/design.md §6): Y ≈ U_r·(U_rᵀY). */
final class LowRank {
    private LowRank() {}

    /** basis U_r (m × r), dense codes U_rᵀY (r × n) and the residual ‖Y − U_r U_rᵀ Y‖². */
    record Factors(FMatrixRMaj basis, ColumnSparseMatrix codes, double residual) {}

    static Factors truncatedSvd(FMatrixRMaj y, int r) {
        final int m = y.numRows, n = y.numCols;
        final DMatrixRMaj a = io.github.cospadi.internal.DenseOps.toDouble(y);
        final SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, false, true);
        if (!svd.decompose(a)) throw new CompressionException("SVD of the " + m + "x" + n + " whitened weight did not converge");
        final DMatrixRMaj u = svd.getU(null, false);
        final DMatrixRMaj w = svd.getW(null);
        SingularOps_DDRM.descendingOrder(u, false, w, null, false);
        final FMatrixRMaj basis = new FMatrixRMaj(m, r);
        for (int i = 0; i < m; i++) for (int c = 0; c < r; c++) basis.data[i * r + c] = (float) u.get(i, c);
        // codes C = U_rᵀ Y, column j has all r rows
        final int[] rows = new int[n * r];
        final float[] values = new float[n * r];
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < r; c++) {
                double v = 0;
                for (int i = 0; i < m; i++) v += u.get(i, c) * y.data[i * n + j];
                rows[j * r + c] = c;
                values[j * r + c] = (float) v;
            }
        }
        double residual = 0;
        final int count = Math.min(m, n);
        for (int c = r; c < count; c++) residual += w.get(c, c) * w.get(c, c);
        return new Factors(basis, new ColumnSparseMatrix(r, n, r, rows, values), residual);
    }
}
