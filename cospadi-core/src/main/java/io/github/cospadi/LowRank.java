package io.github.cospadi;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.CompressionException;

import io.github.cospadi.internal.Cholesky;
import io.github.cospadi.internal.DoubleProducts;
import io.github.cospadi.internal.SymmetricEigen;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Truncated SVD for the baselines (docs/design.md §6): Y ≈ U_r·(U_rᵀY), through the eigen-decomposition of the
 * smaller Gram (issue 11). With Y m × n and p = min(m, n):
 * <ul>
 * <li>m ≤ n: U_r = the top r eigenvectors of Y·Yᵀ (m × m);</li>
 * <li>m &gt; n: V_r = the top r eigenvectors of YᵀY (n × n), U_r = Y·V_r·Σ_r⁻¹ made orthonormal by one CholeskyQR
 *     pass (its columns are orthonormal up to ≈ ε·σ₁²/σ_r² ≤ 1e-6 already, so one pass restores orthogonality to
 *     working precision), or the m ≤ n route on Y·Yᵀ when σ_r² &lt; 1e-10·σ₁² (rank-deficient or very
 *     ill-conditioned Y), where that would not be safe;</li>
 * </ul>
 * then the codes C = U_rᵀ·Y (a double GEMM) and the residual ‖Y − U_r·C‖² = Σ_{c≥r} σ_c² from the eigenvalues.
 * Squaring the singular values costs accuracy only below ≈ 1e-8·σ₁, in directions that carry at most ≈ 1e-16 of
 * ‖Y‖²: the projector U_r·U_rᵀ and the residual agree with EJML's SVD ({@link #truncatedSvdReference}, the test
 * oracle) to working precision in those terms. Everything in double on the parallel tile kernels; results do not
 * depend on the thread count.
 */
final class LowRank {
    /** σ_r²/σ₁² below which the m &gt; n route falls back to the m × m Gram. */
    static final double TALL_ROUTE_MIN_RATIO = 1e-10;

    private LowRank() {}

    /** basis U_r (m × r), dense codes U_rᵀY (r × n) and the residual ‖Y − U_r U_rᵀ Y‖². */
    record Factors(FMatrixRMaj basis, ColumnSparseMatrix codes, double residual) {}

    static Factors truncatedSvd(FMatrixRMaj y, int r) {
        return truncatedSvd(y, r, Parallelism.sequential());
    }

    static Factors truncatedSvd(FMatrixRMaj y, int r, Parallelism parallelism) {
        final int m = y.numRows, n = y.numCols;
        if (r < 1 || r > Math.min(m, n)) throw new IllegalArgumentException("rank must be in [1, " + Math.min(m, n) + "], got " + r);
        final double[] yd = new double[m * n];
        for (int i = 0; i < yd.length; i++) yd[i] = y.data[i];
        double[] ut = null; // U_rᵀ (r × m)
        double residual = 0;
        if (m > n) {
            final double[] yt = new double[n * m];
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) yt[j * m + i] = yd[i * n + j];
            final SymmetricEigen eig = SymmetricEigen.of(DoubleProducts.gramOfRows(yt, n, m, parallelism), n, r, parallelism);
            if (eig.value(r - 1) >= TALL_ROUTE_MIN_RATIO * eig.value(0) && eig.value(0) > 0) {
                // U_rᵀ = Σ_r⁻¹·V_rᵀ·Yᵀ, then CholeskyQR2 on its rows
                ut = DoubleProducts.multiply(eig.vectorsView(), yt, r, n, m, parallelism);
                for (int c = 0; c < r; c++) {
                    final double inv = 1 / Math.sqrt(eig.value(c));
                    for (int i = 0; i < m; i++) ut[c * m + i] *= inv;
                }
                if (orthonormalizeRows(ut, r, m, parallelism)) {
                    for (int c = r; c < n; c++) residual += Math.max(eig.value(c), 0);
                } else {
                    ut = null;
                }
            }
        }
        if (ut == null) {
            final SymmetricEigen eig = SymmetricEigen.of(DoubleProducts.gramOfRows(yd, m, n, parallelism), m, r, parallelism);
            ut = eig.vectorsView();
            residual = 0;
            for (int c = r; c < m; c++) residual += Math.max(eig.value(c), 0);
        }
        final double[] codes = DoubleProducts.multiply(ut, yd, r, m, n, parallelism); // r × n
        return factors(ut, codes, m, n, r, residual);
    }

    /**
     * Rows of q (r × m) ← R⁻ᵀ·q with RᵀR = q·qᵀ (one CholeskyQR pass on the rows); false when the Gram is not
     * numerically positive definite or far from the identity (|G − I| ≥ 1/2 somewhere), as for a rank-deficient q.
     */
    private static boolean orthonormalizeRows(double[] q, int r, int m, Parallelism parallelism) {
        final double[] g = DoubleProducts.gramOfRows(q, r, m, parallelism);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) if (!(Math.abs(g[i * r + j] - (i == j ? 1 : 0)) < 0.5)) return false;
        }
        final DMatrixRMaj upper = Cholesky.upper(DMatrixRMaj.wrap(r, r, g), 0, 0.25, parallelism);
        if (upper == null) return false;
        final double[] l = upper.data; // q = Rᵀ·q' with R upper: row i of q' = (q_i − Σ_{p<i} R[p,i]·q'_p) / R[i,i]
        final io.github.cospadi.internal.FloatOps ops = io.github.cospadi.internal.FloatOps.get();
        for (int i = 0; i < r; i++) {
            for (int p = 0; p < i; p++) {
                final double c = l[p * r + i];
                if (c != 0) ops.axpy(-c, q, p * m, q, i * m, m);
            }
            final double inv = 1 / l[i * r + i];
            for (int j = 0; j < m; j++) q[i * m + j] *= inv;
        }
        return true;
    }

    private static Factors factors(double[] ut, double[] codes, int m, int n, int r, double residual) {
        final FMatrixRMaj basis = new FMatrixRMaj(m, r);
        for (int c = 0; c < r; c++) for (int i = 0; i < m; i++) basis.data[i * r + c] = (float) ut[c * m + i];
        final int[] rows = new int[n * r];
        final float[] values = new float[n * r];
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < r; c++) {
                rows[j * r + c] = c;
                values[j * r + c] = (float) codes[c * n + j];
            }
        }
        return new Factors(basis, new ColumnSparseMatrix(r, n, r, rows, values), residual);
    }

    /**
     * Basis Sharing's coefficient refit for one member (docs/design.md §5.8): with the basis D (d1 × k) fixed, the codes
     * C = (DᵀGD)⁻¹·DᵀG·Wᵀ (k × d2) minimizing tr((Wᵀ − DC)ᵀG(Wᵀ − DC)), in double (a Cholesky solve; a ridge of
     * 1e-10·tr(DᵀGD)/k, growing tenfold, if DᵀGD is numerically singular). Returned as dense codes (s = k).
     */
    static ColumnSparseMatrix refit(FMatrixRMaj basis, FMatrixRMaj weight, DMatrixRMaj gram, Parallelism parallelism) {
        final int d1 = basis.numRows, k = basis.numCols, d2 = weight.numRows;
        final double[] dm = new double[d1 * k];
        for (int i = 0; i < dm.length; i++) dm[i] = basis.data[i];
        final double[] gd = DoubleProducts.multiply(gram.data, dm, d1, d1, k, parallelism);           // G·D, d1 × k
        final double[] dt = new double[k * d1], gdt = new double[k * d1], wt = new double[d1 * d2];
        for (int i = 0; i < d1; i++) {
            for (int a = 0; a < k; a++) {
                dt[a * d1 + i] = dm[i * k + a];
                gdt[a * d1 + i] = gd[i * k + a];
            }
        }
        for (int j = 0; j < d2; j++) for (int i = 0; i < d1; i++) wt[i * d2 + j] = weight.data[j * d1 + i];
        final DMatrixRMaj mm = DMatrixRMaj.wrap(k, k, DoubleProducts.multiply(dt, gd, k, d1, k, parallelism)); // DᵀGD
        final DMatrixRMaj rhs = DMatrixRMaj.wrap(k, d2, DoubleProducts.multiply(gdt, wt, k, d1, d2, parallelism)); // DᵀGWᵀ
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                final double v = 0.5 * (mm.get(a, b) + mm.get(b, a));
                mm.set(a, b, v);
                mm.set(b, a, v);
            }
        }
        double trace = 0;
        for (int a = 0; a < k; a++) trace += mm.get(a, a);
        final DMatrixRMaj c = new DMatrixRMaj(k, d2);
        double ridge = 0;
        for (int attempt = 0; ; attempt++) {
            final DMatrixRMaj a = mm.copy();
            for (int i = 0; i < k; i++) a.add(i, i, ridge);
            final var solver = org.ejml.dense.row.factory.LinearSolverFactory_DDRM.chol(k);
            if (solver.setA(a)) {
                solver.solve(rhs, c);
                boolean finite = true;
                for (double v : c.data) finite &= Double.isFinite(v);
                if (finite) break;
            }
            if (attempt == 12 || !(trace > 0)) {
                throw new CompressionException("coefficient refit: DᵀGD (" + k + "x" + k + ") is singular even with a ridge of " + ridge);
            }
            ridge = ridge == 0 ? 1e-10 * trace / k : ridge * 10;
        }
        final int[] rows = new int[d2 * k];
        final float[] values = new float[d2 * k];
        for (int j = 0; j < d2; j++) {
            for (int a = 0; a < k; a++) {
                rows[j * k + a] = a;
                values[j * k + a] = (float) c.get(a, j);
            }
        }
        return new ColumnSparseMatrix(k, d2, k, rows, values);
    }

    /** The reference: EJML's full SVD of Y, U_r by descending singular value, codes U_rᵀY (the test oracle). */
    static Factors truncatedSvdReference(FMatrixRMaj y, int r) {
        final int m = y.numRows, n = y.numCols;
        final DMatrixRMaj a = io.github.cospadi.internal.DenseOps.toDouble(y);
        final SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, false, true);
        if (!svd.decompose(a)) throw new CompressionException("SVD of the " + m + "x" + n + " whitened weight did not converge");
        final DMatrixRMaj u = svd.getU(null, false);
        final DMatrixRMaj w = svd.getW(null);
        SingularOps_DDRM.descendingOrder(u, false, w, null, false);
        final double[] ut = new double[r * m];
        for (int i = 0; i < m; i++) for (int c = 0; c < r; c++) ut[c * m + i] = u.get(i, c);
        final double[] codes = new double[r * n];
        for (int c = 0; c < r; c++) {
            for (int i = 0; i < m; i++) {
                final double uc = ut[c * m + i];
                for (int j = 0; j < n; j++) codes[c * n + j] += uc * y.data[i * n + j];
            }
        }
        double residual = 0;
        for (int c = r; c < Math.min(m, n); c++) residual += w.get(c, c) * w.get(c, c);
        return factors(ut, codes, m, n, r, residual);
    }
}
