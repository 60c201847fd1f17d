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
    private final DMatrixRMaj upper; // (d1 x d1) or null for the identity
    private final int size;
    private final double shift;

    WhiteningFactor(DMatrixRMaj upper, double shift) {
        this.upper = upper;
        this.size = upper.numRows;
        this.shift = shift;
    }

    private WhiteningFactor(int size) {
        this.upper = null;
        this.size = size;
        this.shift = 0;
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
        // out[i, j] = sum_{p >= i} L[i, p] * W[j, p]; a block of rows of W shares each pass over L
        parallelism.forEachBlock(d2, BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final int rows = to - from;
            final double[][] w = new double[rows][d1];
            for (int b = 0; b < rows; b++) for (int p = 0; p < d1; p++) w[b][p] = weight.data[(from + b) * d1 + p];
            for (int i = 0; i < d1; i++) {
                for (int b = 0; b < rows; b++) out.data[i * d2 + from + b] = (float) ops.dot(l, i * d1 + i, w[b], i, d1 - i);
            }
        });
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
