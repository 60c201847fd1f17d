package io.github.cospadi.example;

import io.github.cospadi.coding.CodingProblem;
import io.github.cospadi.coding.ColumnCoder;
import io.github.cospadi.coding.SparseCoder;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A coder written outside the library's package, on the public seam only: per column, the s atoms with the largest
 * normalized correlation |α⁰_i|/‖d_i‖ (ties: lower index), then least squares on that support from the Gram,
 * Γ_SS x = α⁰_S (Cholesky, or the pseudo-inverse when Γ_SS is singular: dependent or zero atoms are fine). Hard-thresholded least squares: one step, no
 * warm start of its own — the driver keeps the warm-start code where it fits better.
 */
public final class ThresholdLeastSquaresCoder implements SparseCoder {

    @Override
    public String name() {
        return "threshold-ls";
    }

    @Override
    public Supplier<ColumnCoder> prepare(CodingProblem problem) {
        final int k = problem.atoms(), n = problem.columns(), s = problem.nonzerosPerColumn();
        final DMatrixRMaj gram = problem.gram();
        final FMatrixRMaj correlations = problem.correlations(); // requested here, once, on the calling thread
        return () -> {
            final Integer[] order = new Integer[k];
            final int[] support = new int[s];
            final DMatrixRMaj a = new DMatrixRMaj(s, s), b = new DMatrixRMaj(s, 1), x = new DMatrixRMaj(s, 1);
            final LinearSolverDense<DMatrixRMaj> cholesky = LinearSolverFactory_DDRM.symmPosDef(s);
            final LinearSolverDense<DMatrixRMaj> pseudoInverse = LinearSolverFactory_DDRM.pseudoInverse(true);
            return (j, rows, values) -> {
                final double[] score = new double[k];
                for (int i = 0; i < k; i++) {
                    final double norm = Math.sqrt(gram.get(i, i));
                    score[i] = norm > 0 ? Math.abs(correlations.get(i, j)) / norm : -1;
                    order[i] = i;
                }
                Arrays.sort(order, (p, q) -> score[p] != score[q] ? Double.compare(score[q], score[p]) : Integer.compare(p, q));
                for (int t = 0; t < s; t++) support[t] = order[t];
                Arrays.sort(support);
                for (int p = 0; p < s; p++) {
                    b.set(p, 0, correlations.get(support[p], j));
                    for (int q = 0; q < s; q++) a.set(p, q, gram.get(support[p], support[q]));
                }
                if (cholesky.setA(a.copy())) {
                    cholesky.solve(b, x);
                } else {
                    pseudoInverse.setA(a.copy());
                    pseudoInverse.solve(b, x);
                }
                for (int t = 0; t < s; t++) {
                    rows[j * s + t] = support[t];
                    values[j * s + t] = Double.isFinite(x.get(t, 0)) ? (float) x.get(t, 0) : 0f;
                }
            };
        };
    }
}
