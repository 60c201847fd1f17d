package io.github.cospadi.coding;

import io.github.cospadi.internal.Checks;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

/** Shared argument checks and residual bookkeeping of the coders. */
final class CodingChecks {
    private CodingChecks() {}

    static void check(FMatrixRMaj dictionary, FMatrixRMaj targets, int s, ColumnSparseMatrix warmStart) {
        Checks.nonEmpty("dictionary", dictionary);
        if (dictionary.numRows != targets.numRows) {
            throw new IllegalArgumentException("dictionary (" + Checks.shape(dictionary) + ") and targets ("
                    + Checks.shape(targets) + ") must have the same number of rows");
        }
        Checks.finite("dictionary", dictionary);
        Checks.finite("targets", targets);
        if (s < 1 || s > dictionary.numCols) {
            throw new IllegalArgumentException("s must be in [1, atoms=" + dictionary.numCols + "], got " + s);
        }
        if (warmStart != null && (warmStart.numRows() != dictionary.numCols || warmStart.numCols() != targets.numCols
                || warmStart.nonzerosPerColumn() != s)) {
            throw new IllegalArgumentException("warmStart (" + warmStart + ") must be " + dictionary.numCols + "x"
                    + targets.numCols + " with s=" + s);
        }
    }

    /**
     * The warm-start rule of docs/design.md §5.2: when the previous code of column j fits it better than the new code
     * already written to slots [j·s, (j+1)·s) of rows/values, copy the previous code over it.
     */
    static void keepBetter(double[] gram, int k, FMatrixRMaj correlations, int j, double targetNorm, int s, int[] rows,
                           float[] values, ColumnSparseMatrix warmStart) {
        if (warmStart == null) return;
        final int off = j * s;
        final double mine = residual(gram, k, correlations, j, targetNorm, rows, values, off, s);
        final double warm = residual(gram, k, correlations, j, targetNorm, warmStart.rowIndices(), warmStart.values(), off, s);
        if (warm < mine) {
            System.arraycopy(warmStart.rowIndices(), off, rows, off, s);
            System.arraycopy(warmStart.values(), off, values, off, s);
        }
    }

    /**
     * ‖y_j − D c‖² = ‖y_j‖² − 2 cᵀ(Dᵀy_j) + cᵀΓc for the code c stored in slots [off, off+s), from Γ = DᵀD and
     * the correlations Dᵀy_j (column j of correlations).
     */
    static double residual(double[] gram, int k, FMatrixRMaj correlations, int j, double targetNorm,
                           int[] rows, float[] values, int off, int s) {
        final int n = correlations.numCols;
        return residual(gram, k, a -> correlations.data[a * n + j], targetNorm, rows, values, off, s);
    }

    /** The same for correlations Dᵀy given atom by atom. */
    static double residual(double[] gram, int k, java.util.function.IntToDoubleFunction correlation, double targetNorm,
                           int[] rows, float[] values, int off, int s) {
        double lin = 0, quad = 0;
        for (int a = 0; a < s; a++) {
            final int ra = rows[off + a];
            final double va = values[off + a];
            lin += va * correlation.applyAsDouble(ra);
            double row = 0;
            for (int b = 0; b < s; b++) row += gram[ra * k + rows[off + b]] * values[off + b];
            quad += va * row;
        }
        return targetNorm - 2 * lin + quad;
    }
}
