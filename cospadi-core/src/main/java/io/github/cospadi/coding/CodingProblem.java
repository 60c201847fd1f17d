package io.github.cospadi.coding;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.util.Objects;

/**
 * One sparse-coding problem (docs/design.md §5.2): code every column y_j of the targets Y (m × n) against the
 * dictionary D (m × k) with exactly s entries, optionally warm-started from previous codes. It holds what every coder
 * works from, computed once per problem: Γ = DᵀD (double; eagerly), the correlations A⁰ = DᵀY (k × n, float; on first
 * request) and ‖y_j‖² (double; computed once per targets and shared by {@link #withDictionary}). The residual of a
 * code follows from these alone, ‖y_j − D·c‖² = ‖y_j‖² − 2cᵀα⁰_j + cᵀΓc, which is how the driver applies the
 * warm-start rule ({@link #keepBetter}).
 *
 * <p>The factories are the door: they check shapes, s and the warm start, and reject non-finite entries — detected
 * from the exact double sums ‖d_i‖² (the diagonal of Γ) and ‖y_j‖², which are finite exactly when the atom or column
 * is — so the coders trust their inputs. Immutable apart from the memoized parts; the {@code correlations()} request
 * of a pass belongs in {@link SparseCoder#prepare} (the calling thread), not in a column coder.
 */
public final class CodingProblem {
    private final FMatrixRMaj dictionary; // D (m x k)
    private final FMatrixRMaj targets;    // Y (m x n)
    private final int s;
    private final ColumnSparseMatrix warmStart;
    private final Parallelism parallelism;
    private final DMatrixRMaj gram;       // Γ = DᵀD (k x k)
    private final double[] targetNorms;   // ‖y_j‖² (n)
    private FMatrixRMaj correlations;     // A⁰ = DᵀY (k x n), memoized
    private float[] gramFloat;            // Γ rounded to float, memoized

    private CodingProblem(FMatrixRMaj dictionary, FMatrixRMaj targets, int s, ColumnSparseMatrix warmStart,
                          Parallelism parallelism, double[] targetNorms) {
        this.dictionary = dictionary;
        this.targets = targets;
        this.s = s;
        this.warmStart = warmStart;
        this.parallelism = parallelism;
        this.targetNorms = targetNorms;
        this.gram = DenseOps.gram(dictionary, parallelism);
        for (int i = 0, k = dictionary.numCols; i < k; i++) {
            if (!Double.isFinite(gram.data[i * k + i])) Checks.finite("dictionary", dictionary); // names the entry
        }
    }

    /**
     * The problem of coding {@code targets} against {@code dictionary} with s entries per column.
     *
     * @param dictionary D, m × k; its columns need not be normalized (Input, not modified)
     * @param targets    Y, m × n (Input, not modified)
     * @param s          nonzeros per column, 1 ≤ s ≤ k
     * @param warmStart  optional previous codes (k × n, s per column), or null
     * @throws IllegalArgumentException naming the parameter for a shape mismatch, s out of range, a warm start of the
     *                                  wrong shape, or a non-finite entry
     */
    public static CodingProblem of(FMatrixRMaj dictionary, FMatrixRMaj targets, int s, ColumnSparseMatrix warmStart,
                                   Parallelism parallelism) {
        Objects.requireNonNull(targets, "targets");
        checkDictionary(dictionary, targets.numRows, targets.numCols, s, warmStart);
        final double[] norms = DenseOps.columnNormsSquared(targets);
        for (double v : norms) if (!Double.isFinite(v)) Checks.finite("targets", targets); // names the entry
        return new CodingProblem(dictionary, targets, s, warmStart, Objects.requireNonNull(parallelism, "parallelism"), norms);
    }

    /**
     * The same targets, s and parallelism against another dictionary (m × k', s ≤ k') with another warm start (or
     * null): the targets are not checked or summed again. This is how a learner codes in every iteration.
     */
    public CodingProblem withDictionary(FMatrixRMaj dictionary, ColumnSparseMatrix warmStart) {
        checkDictionary(dictionary, targets.numRows, targets.numCols, s, warmStart);
        return new CodingProblem(dictionary, targets, s, warmStart, parallelism, targetNorms);
    }

    private static void checkDictionary(FMatrixRMaj dictionary, int m, int n, int s, ColumnSparseMatrix warmStart) {
        Objects.requireNonNull(dictionary, "dictionary");
        Checks.nonEmpty("dictionary", dictionary);
        if (dictionary.numRows != m) {
            throw new IllegalArgumentException("dictionary (" + Checks.shape(dictionary) + ") and targets (" + m + "x" + n
                    + ") must have the same number of rows");
        }
        if (s < 1 || s > dictionary.numCols) {
            throw new IllegalArgumentException("s must be in [1, atoms=" + dictionary.numCols + "], got " + s);
        }
        if (warmStart != null && (warmStart.numRows() != dictionary.numCols || warmStart.numCols() != n
                || warmStart.nonzerosPerColumn() != s)) {
            throw new IllegalArgumentException("warmStart (" + warmStart + ") must be " + dictionary.numCols + "x" + n
                    + " with s=" + s);
        }
    }

    /** D (m × k). A view: do not modify. */
    public FMatrixRMaj dictionary() {
        return dictionary;
    }

    /** Y (m × n). A view: do not modify. */
    public FMatrixRMaj targets() {
        return targets;
    }

    /** k, the atoms. */
    public int atoms() {
        return dictionary.numCols;
    }

    /** n, the columns to code. */
    public int columns() {
        return targets.numCols;
    }

    /** s, the entries of every column's code. */
    public int nonzerosPerColumn() {
        return s;
    }

    /** The previous codes (k × n, s per column), or null. */
    public ColumnSparseMatrix warmStart() {
        return warmStart;
    }

    /** The threads a pass may use for its own set-up (the driver codes the columns with them too). */
    public Parallelism parallelism() {
        return parallelism;
    }

    /**
     * Γ = DᵀD (k × k, symmetric) in double: off-diagonal entries from the float GEMM kernel, the diagonal (the squared
     * atom norms pivots are compared with) summed exactly in double ({@link DenseOps#gram}). A view: do not modify.
     */
    public DMatrixRMaj gram() {
        return gram;
    }

    /** Γ rounded to float (row-major k × k), for coders whose hot loops run in float. Do not modify. */
    public synchronized float[] gramFloat() {
        if (gramFloat == null) gramFloat = DenseOps.toFloat(gram.data);
        return gramFloat;
    }

    /** A⁰ = DᵀY (k × n, float), computed on the first request with {@link #parallelism()}. Do not modify. */
    public synchronized FMatrixRMaj correlations() {
        if (correlations == null) correlations = DenseOps.multTransA(dictionary, targets, parallelism);
        return correlations;
    }

    /** ‖y_j‖² in double. */
    public double targetNormSquared(int column) {
        return targetNorms[column];
    }

    /**
     * ‖y_j − D·c‖² for the code c of column j stored in slots [off, off + s) of rows/values, from Γ, α⁰_j and
     * ‖y_j‖² (no pass over D or y_j). Needs {@link #correlations()}.
     */
    public double residual(int column, int[] rows, float[] values, int off) {
        final FMatrixRMaj a = correlations();
        final int n = a.numCols;
        return residual(gram.data, atoms(), c -> a.data[c * n + column], targetNorms[column], rows, values, off, s);
    }

    /**
     * The warm-start rule of docs/design.md §5.2 for column j, whose new code is in slots [j·s, (j+1)·s) of
     * rows/values: when the warm-start code fits y_j better, it replaces the new one. Nothing without a warm start.
     */
    public void keepBetter(int column, int[] rows, float[] values) {
        if (warmStart == null) return;
        final int off = column * s;
        final double mine = residual(column, rows, values, off);
        final double warm = residual(column, warmStart.rowIndices(), warmStart.values(), off);
        if (warm < mine) {
            System.arraycopy(warmStart.rowIndices(), off, rows, off, s);
            System.arraycopy(warmStart.values(), off, values, off, s);
        }
    }

    /**
     * ‖y − D c‖² = ‖y‖² − 2cᵀ(Dᵀy) + cᵀΓc for the code c in slots [off, off + s), with the correlations Dᵀy given atom
     * by atom (‖y‖² = 0 gives the change of the residual against the zero code).
     */
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

    @Override
    public String toString() {
        return "CodingProblem[" + Checks.shape(dictionary) + " dictionary, " + Checks.shape(targets) + " targets, s=" + s
                + (warmStart != null ? ", warm" : "") + "]";
    }
}
