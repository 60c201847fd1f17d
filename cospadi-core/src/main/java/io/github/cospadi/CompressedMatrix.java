package io.github.cospadi;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.Orientation;

import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

/**
 * A weight W (outFeatures × inFeatures) stored as a dictionary D times codes S with exactly s entries per column,
 * plus the {@link CompressionReport} of how it was made. In the {@link Orientation#INPUT} form (the paper's) Ŵᵀ = D·S
 * with D (inFeatures × k) and S (k × outFeatures); in the {@link Orientation#OUTPUT} form Ŵ = D·S with D
 * (outFeatures × k) and S (k × inFeatures). For the low-rank baselines S is dense (s = k = r). Immutable: accessors
 * return copies of D; S is immutable by contract.
 */
public final class CompressedMatrix {
    private final Orientation orientation;
    private final FMatrixRMaj dictionary; // (inFeatures x k) or, OUTPUT, (outFeatures x k)
    private final ColumnSparseMatrix codes; // (k x outFeatures) or, OUTPUT, (k x inFeatures)
    private final CompressionReport report;

    /** The {@link Orientation#INPUT} form Ŵᵀ = D·S. */
    public CompressedMatrix(FMatrixRMaj dictionary, ColumnSparseMatrix codes, CompressionReport report) {
        this(Orientation.INPUT, dictionary, codes, report);
    }

    /** @param orientation INPUT (Ŵᵀ = D·S) or OUTPUT (Ŵ = D·S); not AUTO */
    public CompressedMatrix(Orientation orientation, FMatrixRMaj dictionary, ColumnSparseMatrix codes, CompressionReport report) {
        if (orientation == null || orientation == Orientation.AUTO) {
            throw new IllegalArgumentException("orientation must be INPUT or OUTPUT, got " + orientation);
        }
        if (dictionary.numCols != codes.numRows()) {
            throw new IllegalArgumentException("dictionary (" + Checks.shape(dictionary) + ") has " + dictionary.numCols
                    + " atoms but codes have " + codes.numRows() + " rows");
        }
        this.orientation = orientation;
        this.dictionary = dictionary;
        this.codes = codes;
        this.report = report;
    }

    /** The same orientation and report with other factors of the same shapes (e.g. quantized ones). */
    public CompressedMatrix withFactors(FMatrixRMaj dictionary, ColumnSparseMatrix codes) {
        if (dictionary.numRows != this.dictionary.numRows || codes.numCols() != this.codes.numCols()) {
            throw new IllegalArgumentException("factors " + Checks.shape(dictionary) + " and " + codes.numRows() + "x"
                    + codes.numCols() + " do not fit " + this);
        }
        return new CompressedMatrix(orientation, dictionary, codes, report);
    }

    /** INPUT (Ŵᵀ = D·S) or OUTPUT (Ŵ = D·S). */
    public Orientation orientation() { return orientation; }

    public int inFeatures() { return orientation == Orientation.INPUT ? dictionary.numRows : codes.numCols(); }

    public int outFeatures() { return orientation == Orientation.INPUT ? codes.numCols() : dictionary.numRows; }

    /** k. */
    public int atoms() { return dictionary.numCols; }

    /** s. */
    public int nonzerosPerColumn() { return codes.nonzerosPerColumn(); }

    /** A copy of D (inFeatures × k; OUTPUT: outFeatures × k). */
    public FMatrixRMaj dictionary() { return dictionary.copy(); }

    /** D without a copy, for kernels of this library. Do not modify. */
    public FMatrixRMaj dictionaryView() { return dictionary; }

    /** S (k × outFeatures; OUTPUT: k × inFeatures). */
    public ColumnSparseMatrix codes() { return codes; }

    public CompressionReport report() { return report; }

    /**
     * Ŵ (outFeatures × inFeatures), PyTorch layout: Ŵ[j, :] = Σ_t S[r_t, j]·D[:, r_t]ᵀ (INPUT), or Ŵ[:, j] = Σ_t
     * S[r_t, j]·D[:, r_t] (OUTPUT).
     */
    public FMatrixRMaj reconstruct() {
        final int d1 = inFeatures(), d2 = outFeatures(), k = atoms(), s = nonzerosPerColumn();
        if ((long) k > DENSE_CODES * s) return reconstructSparse();
        // the codes made dense and one register-tiled GEMM (at k/s = ρ = 2 it does twice the sparse work at ~20 × the
        // speed of the per-entry axpys or gathers): OUTPUT Ŵ = D·S, INPUT Ŵ = Sᵀ·Dᵀ
        final int[] rows = codes.rowIndices();
        final float[] values = codes.values();
        final int columns = codes.numCols();
        final FMatrixRMaj w = new FMatrixRMaj(d2, d1);
        if (orientation == Orientation.OUTPUT) {
            final float[] dense = new float[k * d1]; // S, k × d1
            for (int j = 0; j < columns; j++) for (int t = j * s; t < (j + 1) * s; t++) dense[rows[t] * d1 + j] += values[t];
            FloatOps.get().gemmTransposedA(dictionary.data, k, dense, d1, w.data, 0, d2);
        } else {
            final float[] st = new float[d2 * k]; // Sᵀ, d2 × k
            for (int j = 0; j < columns; j++) for (int t = j * s; t < (j + 1) * s; t++) st[j * k + rows[t]] += values[t];
            final float[] dt = new float[k * d1]; // Dᵀ, k × d1
            DenseOps.transpose(dictionary.data, d1, k, dt);
            FloatOps.get().gemmTransposedA(st, k, dt, d1, w.data, 0, d2);
        }
        return w;
    }

    /** Above this k/s the codes are too sparse for the dense GEMM of {@link #reconstruct} to pay. */
    private static final int DENSE_CODES = 8;

    /** The twin of {@link #reconstruct}: the sum over each column's s nonzeros, entry by entry. */
    FMatrixRMaj reconstructSparse() {
        if (orientation == Orientation.OUTPUT) return reconstructOutput();
        final int d1 = inFeatures(), d2 = outFeatures(), k = atoms(), s = nonzerosPerColumn();
        final float[] dt = new float[k * d1]; // atoms contiguous
        DenseOps.transpose(dictionary.data, d1, k, dt);
        final FMatrixRMaj w = new FMatrixRMaj(d2, d1);
        final FloatOps ops = FloatOps.get();
        final int[] rows = codes.rowIndices();
        final float[] values = codes.values();
        for (int j = 0; j < d2; j++) {
            for (int t = j * s; t < (j + 1) * s; t++) {
                if (values[t] != 0f) ops.axpy(values[t], dt, rows[t] * d1, w.data, j * d1, d1);
            }
        }
        return w;
    }

    private FMatrixRMaj reconstructOutput() {
        final int d1 = inFeatures(), d2 = outFeatures(), k = atoms(), s = nonzerosPerColumn();
        final int[] rows = codes.rowIndices();
        final float[] values = codes.values();
        // Ŵ[:, j] = Σ_t values[t]·D[:, rows[t]] accumulated as Ŵᵀ rows against Dᵀ rows (unit stride), each entry the same
        // float multiply-then-add chain over t as the entry-by-entry loop, then transposed
        final float[] dt = new float[k * d2];
        DenseOps.transpose(dictionary.data, d2, k, dt);
        final float[] wt = new float[d1 * d2];
        for (int j = 0; j < d1; j++) {
            final int base = j * d2;
            for (int t = j * s; t < (j + 1) * s; t++) {
                final float v = values[t];
                final int a = rows[t] * d2;
                for (int r = 0; r < d2; r++) wt[base + r] += v * dt[a + r];
            }
        }
        final FMatrixRMaj w = new FMatrixRMaj(d2, d1);
        DenseOps.transpose(wt, d1, d2, w.data);
        return w;
    }

    /** y = Ŵ·x for one input x (length inFeatures), computed as Sᵀ(Dᵀx) (OUTPUT: D(Sx)) without forming Ŵ. */
    public float[] multiply(float[] x) {
        if (x.length != inFeatures()) {
            throw new IllegalArgumentException("x has length " + x.length + ", expected inFeatures=" + inFeatures());
        }
        final FMatrixRMaj row = FMatrixRMaj.wrap(1, x.length, x);
        return multiply(row).data;
    }

    /** Y = X·Ŵᵀ for a batch X (batch × inFeatures), computed as (X·D)·S (OUTPUT: (X·Sᵀ)·Dᵀ) without forming Ŵ. */
    public FMatrixRMaj multiply(FMatrixRMaj x) {
        if (x.numCols != inFeatures()) {
            throw new IllegalArgumentException("x is " + Checks.shape(x) + ", expected " + inFeatures() + " columns (inFeatures)");
        }
        if (orientation == Orientation.OUTPUT) return multiplyOutput(x);
        final int b = x.numRows, d1 = inFeatures(), d2 = outFeatures(), k = atoms(), s = nonzerosPerColumn();
        final FloatOps ops = FloatOps.get();
        final float[] u = new float[k];
        final FMatrixRMaj y = new FMatrixRMaj(b, d2);
        final int[] rows = codes.rowIndices();
        final float[] values = codes.values();
        for (int p = 0; p < b; p++) {
            java.util.Arrays.fill(u, 0f);
            // u = x_p · D
            for (int r = 0; r < d1; r++) {
                final float xr = x.data[p * d1 + r];
                if (xr != 0f) ops.axpy(xr, dictionary.data, r * k, u, 0, k);
            }
            // y_p[j] = sum_t u[rows[j,t]] * values[j,t]
            for (int j = 0; j < d2; j++) {
                float acc = 0;
                for (int t = j * s; t < (j + 1) * s; t++) acc += u[rows[t]] * values[t];
                y.data[p * d2 + j] = acc;
            }
        }
        return y;
    }

    private FMatrixRMaj multiplyOutput(FMatrixRMaj x) {
        final int b = x.numRows, d1 = inFeatures(), d2 = outFeatures(), k = atoms(), s = nonzerosPerColumn();
        final FloatOps ops = FloatOps.get();
        final float[] u = new float[k];
        final FMatrixRMaj y = new FMatrixRMaj(b, d2);
        final int[] rows = codes.rowIndices();
        final float[] values = codes.values();
        for (int p = 0; p < b; p++) {
            java.util.Arrays.fill(u, 0f);
            // u = S·x_p: channel j adds x_j times its code
            for (int j = 0; j < d1; j++) {
                final float xj = x.data[p * d1 + j];
                if (xj == 0f) continue;
                for (int t = j * s; t < (j + 1) * s; t++) u[rows[t]] += values[t] * xj;
            }
            // y_p = D·u
            for (int r = 0; r < d2; r++) y.data[p * d2 + r] = ops.dot(dictionary.data, r * k, u, 0, k);
        }
        return y;
    }

    /**
     * Relative functional error ‖X(W − Ŵ)ᵀ‖_F / ‖XWᵀ‖_F of this reconstruction against {@code weight}, from the
     * calibration Gram (docs/design.md §2); e.g. to measure what quantizing the factors costs.
     */
    public double functionalError(FMatrixRMaj weight, io.github.cospadi.calibration.CalibrationStats calibration,
                                  Parallelism parallelism) {
        if (weight.numRows != outFeatures() || weight.numCols != inFeatures()) {
            throw new IllegalArgumentException("weight is " + Checks.shape(weight) + ", expected " + outFeatures() + "x" + inFeatures());
        }
        if (calibration.inFeatures() != inFeatures()) {
            throw new IllegalArgumentException("calibration is for inFeatures=" + calibration.inFeatures() + ", expected " + inFeatures());
        }
        return Errors.relativeFunctionalError(weight, reconstruct(), calibration.gramView(), parallelism);
    }

    @Override
    public String toString() {
        return "CompressedMatrix[" + outFeatures() + "x" + inFeatures() + ", " + orientation + ", k=" + atoms() + ", s=" + nonzerosPerColumn() + "]";
    }
}
