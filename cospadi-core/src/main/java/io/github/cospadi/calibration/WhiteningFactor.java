package io.github.cospadi.calibration;

import io.github.cospadi.Parallelism;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * The whitening factor L (upper triangular, LᵀL = G + δI) and the two maps of docs/design.md §2–3:
 * {@link #whiten} W ↦ W_L = L·Wᵀ and {@link #unwhiten} D_L ↦ D = L⁻¹·D_L (triangular solve, never an explicit
 * inverse). Immutable.
 */
public final class WhiteningFactor {
    /** Rows of W (or columns of D_L) per pass over L; 16 vectors of a few thousand doubles stay in L2. */
    private static final int BLOCK = 16;
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

    /** D = L⁻¹·D_L (d1 × k) by back substitution on the columns of D_L. */
    public FMatrixRMaj unwhiten(FMatrixRMaj whitenedDictionary, Parallelism parallelism) {
        if (whitenedDictionary.numRows != size) {
            throw new IllegalArgumentException("dictionary has " + whitenedDictionary.numRows + " rows, whitening is for " + size);
        }
        if (upper == null) return whitenedDictionary.copy();
        final int d1 = size, k = whitenedDictionary.numCols;
        final FMatrixRMaj out = new FMatrixRMaj(d1, k);
        final double[] l = upper.data;
        // solve L x = b per column: x_i = (b_i - sum_{p>i} L[i,p] x_p) / L[i,i]; a block of columns shares each row of L
        parallelism.forEachBlock(k, BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final int cols = to - from;
            final double[][] x = new double[cols][d1];
            for (int i = d1 - 1; i >= 0; i--) {
                final double pivot = l[i * d1 + i];
                for (int c = 0; c < cols; c++) {
                    final double b = whitenedDictionary.data[i * k + from + c];
                    x[c][i] = (b - ops.dot(l, i * d1 + i + 1, x[c], i + 1, d1 - i - 1)) / pivot;
                }
            }
            for (int c = 0; c < cols; c++) for (int i = 0; i < d1; i++) out.data[i * k + from + c] = (float) x[c][i];
        });
        return out;
    }

    @Override
    public String toString() {
        return isIdentity() ? "WhiteningFactor[identity " + size + "]" : "WhiteningFactor[" + size + ", shift=" + shift + "]";
    }
}
