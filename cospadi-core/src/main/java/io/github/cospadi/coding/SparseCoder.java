package io.github.cospadi.coding;

import io.github.cospadi.Parallelism;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

/**
 * The sparse-coding step (docs/design.md §5.2): for every column y_j of {@code targets} (m × n) find a code
 * c_j with <b>exactly</b> {@code s} stored entries minimizing ‖y_j − D·c_j‖₂, D = {@code dictionary} (m × k).
 *
 * <p>Implementations are immutable and thread-safe, never modify their inputs, and return the same result
 * for any {@link Parallelism}.
 */
public interface SparseCoder {

    /**
     * @param dictionary D, m × k, columns need not be normalized (Input, not modified)
     * @param targets    Y, m × n (Input, not modified)
     * @param s          nonzeros per column, 1 ≤ s ≤ k
     * @param warmStart  optional previous codes (k × n, s per column); where they fit a column better than the
     *                   newly computed code they are kept, so coding never increases the total residual
     * @return the codes, k × n with s entries per column
     */
    ColumnSparseMatrix encode(FMatrixRMaj dictionary, FMatrixRMaj targets, int s, ColumnSparseMatrix warmStart,
                              Parallelism parallelism);

    /** A short name for reports ("omp", "iht"). */
    String name();

    /** Orthogonal matching pursuit in the Batch-OMP form. */
    static SparseCoder omp() {
        return OmpCoder.INSTANCE;
    }

    /** Iterative hard thresholding with the normalized step, 30 iterations per call, then a least-squares refit. */
    static SparseCoder iht() {
        return new IhtCoder(30);
    }

    /**
     * Warm-started hard-thresholding steps without a least-squares refit: the cheap support update between OMP passes
     * (see {@code Compressor.Builder#refreshSteps}).
     */
    static SparseCoder refresh(int steps) {
        return new RefreshCoder(steps);
    }

    /** Iterative hard thresholding with the given number of iterations per call. */
    static SparseCoder iht(int iterations) {
        return new IhtCoder(iterations);
    }
}
