package io.github.cospadi.calibration;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * The whitening factor L (upper triangular, LᵀL = G + δI) and the two maps of docs/design.md §2–3:
 * {@link #whiten} W ↦ W_L = L·Wᵀ and {@link #unwhiten} D_L ↦ D = L⁻¹·D_L (triangular solve, never an explicit
 * inverse). Immutable.
 */
public final class WhiteningFactor {
    /** Rows of L per parallel block of the whitening product (a multiple of the kernel's 4-row tile). */
    private static final int ROW_BLOCK = 64;
    private final DMatrixRMaj upper; // (d1 x d1) or null for the identity
    private final int size;
    private final double shift;
    private final CalibrationStats source; // the statistics L factors (LᵀL = G + δI), or null

    WhiteningFactor(DMatrixRMaj upper, double shift, CalibrationStats source) {
        this.upper = upper;
        this.size = upper.numRows;
        this.shift = shift;
        this.source = source;
    }

    private WhiteningFactor(int size) {
        this.upper = null;
        this.size = size;
        this.shift = 0;
        this.source = null;
    }

    static WhiteningFactor identity(int size) {
        return new WhiteningFactor(size);
    }

    /** d1, the number of input features. */
    public int size() {
        return size;
    }

    /** δ, the multiple of I added to G before factoring (0 when G was positive definite). */
    public double shift() {
        return shift;
    }

    /** Whether LᵀL = G + δ·I for the Gram G of exactly these statistics (the same object). */
    public boolean factors(CalibrationStats stats) {
        return source != null && source == stats;
    }

    public boolean isIdentity() {
        return upper == null;
    }

    /** A copy of L (the identity when {@link #isIdentity()}). */
    public DMatrixRMaj factor() {
        if (upper == null) {
            final DMatrixRMaj eye = new DMatrixRMaj(size, size);
            for (int i = 0; i < size; i++) eye.data[i * size + i] = 1;
            return eye;
        }
        return upper.copy();
    }

    /** W_L = L·Wᵀ (d1 × d2) for a weight W (d2 × d1). */
    public FMatrixRMaj whiten(FMatrixRMaj weight, Parallelism parallelism) {
        if (weight.numCols != size) {
            throw new IllegalArgumentException("weight has " + weight.numCols + " columns (inFeatures), whitening is for " + size);
        }
        final int d1 = size, d2 = weight.numRows;
        final FMatrixRMaj out = new FMatrixRMaj(d1, d2);
        if (upper == null) {
            for (int j = 0; j < d2; j++) for (int i = 0; i < d1; i++) out.data[i * d2 + j] = weight.data[j * d1 + i];
            return out;
        }
        final double[] l = upper.data;
        // W_L = L·Wᵀ as one blocked double product over row blocks of L; row i of L is zero before column i, so a
        // block starting at row i0 only multiplies columns p ≥ i0 (half the work of a full product)
        final double[] wt = new double[d1 * d2];
        for (int j = 0; j < d2; j++) for (int p = 0; p < d1; p++) wt[p * d2 + j] = weight.data[j * d1 + p];
        final double[] neg = new double[d1 * d2]; // −L·Wᵀ, accumulated by the subtracting kernel
        parallelism.forEachBlock(d1, ROW_BLOCK, (from, to) -> FloatOps.get().subtractProduct(
                l, from * d1 + from, d1, wt, from * d2, d2, neg, from * d2, d2, to - from, d2, d1 - from));
        for (int i = 0; i < out.data.length; i++) out.data[i] = (float) -neg[i];
        return out;
    }

    /**
     * D = L⁻¹·D_L (d1 × k) by blocked back substitution in double ({@link io.github.cospadi.internal.Cholesky#solveUpper}): from the last block of 64 rows of L
     * up, X_I ← X_I − L[I, below]·X[below] on the double tile kernel, then the triangular solve within the block
     * (row operations over the k columns). Parallel over fixed blocks of columns, so the thread count does not change
     * the result.
     */
    public FMatrixRMaj unwhiten(FMatrixRMaj whitenedDictionary, Parallelism parallelism) {
        if (whitenedDictionary.numRows != size) {
            throw new IllegalArgumentException("dictionary has " + whitenedDictionary.numRows + " rows, whitening is for " + size);
        }
        if (upper == null) return whitenedDictionary.copy();
        final int d1 = size, k = whitenedDictionary.numCols;
        final double[] x = new double[d1 * k];
        for (int i = 0; i < x.length; i++) x[i] = whitenedDictionary.data[i];
        io.github.cospadi.internal.Cholesky.solveUpper(upper.data, d1, x, k, parallelism);
        final FMatrixRMaj out = new FMatrixRMaj(d1, k);
        for (int i = 0; i < x.length; i++) out.data[i] = (float) x[i];
        return out;
    }

    @Override
    public String toString() {
        return isIdentity() ? "WhiteningFactor[identity " + size + "]" : "WhiteningFactor[" + size + ", shift=" + shift + "]";
    }
}
