package io.github.cospadi.calibration;

import io.github.cospadi.common.CompressionException;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.Cholesky;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/** G = LᵀL with L upper triangular, shifted when G is not numerically positive definite (docs/design.md §3). */
final class CholeskyWhitening implements Whitening {
    static final double DEFAULT_EPSILON = 1e-6;
    /** Attempts at factoring G + δI, multiplying ε by 10 each time, before giving up. */
    private static final int MAX_ATTEMPTS = 6;

    private final double epsilon;

    CholeskyWhitening(double epsilon) {
        if (!(epsilon > 0) || !(epsilon < 1)) {
            throw new IllegalArgumentException("epsilon must be in (0, 1), got " + epsilon);
        }
        this.epsilon = epsilon;
    }

    @Override
    public String name() {
        return "cholesky(eps=" + epsilon + ")";
    }

    @Override
    public WhiteningFactor factor(CalibrationStats stats) {
        return factor(stats, Parallelism.sequential());
    }

    @Override
    public WhiteningFactor factor(CalibrationStats stats, Parallelism parallelism) {
        final DMatrixRMaj g = stats.gramView(); // not modified: the factorization symmetrizes as it copies
        final int n = g.numRows;
        double meanDiag = 0;
        for (int i = 0; i < n; i++) meanDiag += g.data[i * n + i];
        meanDiag /= n;
        if (!(meanDiag > 0)) {
            throw new CompressionException("calibration Gram has no positive diagonal (mean diagonal " + meanDiag
                    + "): the calibration activations are all zero");
        }
        final double minPivot2 = epsilon * meanDiag;
        DMatrixRMaj upper = Cholesky.upper(g, 0, minPivot2, parallelism);
        if (upper != null) return new WhiteningFactor(upper, 0, stats);

        final EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        final DMatrixRMaj sym = g.copy();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                final double v = 0.5 * (sym.data[i * n + j] + sym.data[j * n + i]);
                sym.data[i * n + j] = v;
                sym.data[j * n + i] = v;
            }
        }
        if (!eig.decompose(sym)) throw new CompressionException("eigen-decomposition of the " + n + "x" + n + " Gram failed");
        double lambdaMin = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) lambdaMin = Math.min(lambdaMin, eig.getEigenvalue(i).real);
        double eps = epsilon;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++, eps *= 10) {
            final double shift = Math.max(0, -lambdaMin) + eps * meanDiag;
            upper = Cholesky.upper(g, shift, 0.1 * eps * meanDiag, parallelism);
            if (upper != null) return new WhiteningFactor(upper, shift, stats);
        }
        throw new CompressionException("calibration Gram (" + n + "x" + n + ", lambda_min=" + lambdaMin + ", mean diagonal "
                + meanDiag + ") stays indefinite after shifting by up to " + (Math.max(0, -lambdaMin) + eps / 10 * meanDiag));
    }

}
