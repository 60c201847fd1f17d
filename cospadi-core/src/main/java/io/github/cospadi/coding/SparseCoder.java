package io.github.cospadi.coding;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.util.function.Supplier;

/**
 * The sparse-coding step (docs/design.md §5.2): for every column y_j of the targets (m × n) find a code c_j with
 * <b>exactly</b> s stored entries minimizing ‖y_j − D·c_j‖₂ against the dictionary D (m × k).
 *
 * <p>A coder is a strategy over a {@link CodingProblem}, which holds Γ = DᵀD, A⁰ = DᵀY and ‖y_j‖², computed once. The
 * driver ({@link #encode(CodingProblem)}) asks the coder to {@link #prepare} a pass, codes the columns in fixed blocks
 * of {@link #blockColumns()} with one {@link ColumnCoder} per block (in parallel), and then applies the warm-start
 * rule: per column, the warm-start code is kept where it fits better, so coding never increases any column's residual.
 * A coder therefore only has to produce valid codes: s entries per column with distinct atoms, in increasing order.
 *
 * <p>Implementations are immutable and thread-safe, never modify the problem's inputs, and give the same result for
 * any {@link Parallelism} (each block is coded the same way whichever thread runs it). Every coder passes the
 * contract test {@code SparseCoderContractTest}.
 */
public interface SparseCoder {

    /** A short name for reports ("omp", "iht"). */
    String name();

    /**
     * Starts one pass over {@code problem}: called once, on the calling thread, before any column is coded — the place
     * to request (and so compute, once) what the pass reads, e.g. {@link CodingProblem#correlations()}, and to allocate
     * what all blocks share. Returns the factory of the per-block column coders.
     */
    Supplier<ColumnCoder> prepare(CodingProblem problem);

    /** Columns per block of the pass: fixed, so that results do not depend on the thread count. Default 32. */
    default int blockColumns() {
        return 32;
    }

    /**
     * True when this coder already guarantees every column a code that fits at least as well as its warm start —
     * because it starts there and only takes steps that lower the residual, or because it compares the two itself —
     * so the driver skips its own comparison (and the correlations it needs). Default false.
     */
    default boolean keepsWarmStart() {
        return false;
    }

    /**
     * Codes the columns of {@code targets}.
     *
     * @param dictionary D, m × k, columns need not be normalized (Input, not modified)
     * @param targets    Y, m × n (Input, not modified)
     * @param s          nonzeros per column, 1 ≤ s ≤ k
     * @param warmStart  optional previous codes (k × n, s per column); where they fit a column better than the
     *                   newly computed code they are kept, so coding never increases the total residual
     * @return the codes, k × n with s entries per column
     * @throws IllegalArgumentException for mismatched shapes, s out of range or non-finite entries (see
     *                                  {@link CodingProblem#of})
     */
    default ColumnSparseMatrix encode(FMatrixRMaj dictionary, FMatrixRMaj targets, int s, ColumnSparseMatrix warmStart,
                                      Parallelism parallelism) {
        return encode(CodingProblem.of(dictionary, targets, s, warmStart, parallelism));
    }

    /** Codes the columns of a problem (the driver described above); the problem was checked when it was made. */
    default ColumnSparseMatrix encode(CodingProblem problem) {
        return CodingDriver.encode(this, problem);
    }

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
