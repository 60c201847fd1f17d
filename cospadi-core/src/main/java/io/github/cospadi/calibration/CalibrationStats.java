package io.github.cospadi.calibration;

import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * Calibration statistics of one linear layer: the Gram matrix G = XᵀX (inFeatures × inFeatures, double) of its
 * input activations X (tokens × inFeatures) and the token count (docs/design.md §3). Immutable; build one with
 * {@link #accumulator(int)} from activation batches, or wrap a ready Gram with {@link #ofGram}.
 */
public final class CalibrationStats {
    /** Relative asymmetry |G_ij − G_ji| / max|G| above which a supplied Gram is rejected. */
    public static final double SYMMETRY_TOLERANCE = 1e-6;

    private final DMatrixRMaj gram;
    private final long tokens;

    private CalibrationStats(DMatrixRMaj gram, long tokens) {
        this.gram = gram;
        this.tokens = tokens;
    }

    /**
     * Wraps a ready Gram matrix (copied). It must be square, finite and symmetric within
     * {@link #SYMMETRY_TOLERANCE}·max|G|, and {@code tokens} positive.
     */
    public static CalibrationStats ofGram(DMatrixRMaj gram, long tokens) {
        if (gram.numRows != gram.numCols) {
            throw new IllegalArgumentException("gram must be square, got " + Checks.shape(gram));
        }
        if (gram.numRows == 0) throw new IllegalArgumentException("gram is empty: " + Checks.shape(gram));
        if (tokens <= 0) throw new IllegalArgumentException("tokens must be positive (empty calibration), got " + tokens);
        Checks.finite("gram", gram);
        final int n = gram.numRows;
        double max = 0;
        for (double v : gram.data) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                final double a = gram.data[i * n + j], b = gram.data[j * n + i];
                if (Math.abs(a - b) > SYMMETRY_TOLERANCE * max) {
                    throw new IllegalArgumentException("gram is not symmetric: G(" + i + "," + j + ")=" + a + " but G(" + j
                            + "," + i + ")=" + b + " (tolerance " + SYMMETRY_TOLERANCE + "·max|G| = " + SYMMETRY_TOLERANCE * max + ")");
                }
            }
        }
        return new CalibrationStats(gram.copy(), tokens);
    }

    /** Statistics of a single batch of activations (tokens × inFeatures). */
    public static CalibrationStats of(FMatrixRMaj activations) {
        final Accumulator acc = accumulator(activations.numCols);
        acc.add(activations);
        return acc.build();
    }

    /** A mutable accumulator for streaming batches. Not thread-safe; merge per-thread accumulators instead. */
    public static Accumulator accumulator(int inFeatures) {
        return new Accumulator(Checks.positive("inFeatures", inFeatures));
    }

    public int inFeatures() {
        return gram.numRows;
    }

    public long tokens() {
        return tokens;
    }

    /** A copy of G = XᵀX. */
    public DMatrixRMaj gram() {
        return gram.copy();
    }

    /** Read-only view for the library's own use (no copy). */
    public DMatrixRMaj gramView() {
        return gram;
    }

    /** Statistics of the concatenated calibration sets: G₁ + G₂ and N₁ + N₂. */
    public CalibrationStats merge(CalibrationStats other) {
        if (other.inFeatures() != inFeatures()) {
            throw new IllegalArgumentException("cannot merge calibration of inFeatures=" + other.inFeatures()
                    + " into inFeatures=" + inFeatures());
        }
        final DMatrixRMaj sum = gram.copy();
        for (int i = 0; i < sum.data.length; i++) sum.data[i] += other.gram.data[i];
        return new CalibrationStats(sum, tokens + other.tokens);
    }

    @Override
    public String toString() {
        return "CalibrationStats[inFeatures=" + inFeatures() + ", tokens=" + tokens + "]";
    }

    /** Accumulates G = Σ xᵀx over token rows in double. */
    public static final class Accumulator {
        /** Tokens per rank-k update of G. */
        static final int TOKEN_BLOCK = 16;
        private final int inFeatures;
        private final double[] lower; // (inFeatures x inFeatures) row-major, lower triangle filled
        private final double[] tokenBlock; // (TOKEN_BLOCK x inFeatures) the current tokens in double
        private long tokens;

        private Accumulator(int inFeatures) {
            this.inFeatures = inFeatures;
            this.lower = new double[inFeatures * inFeatures];
            this.tokenBlock = new double[TOKEN_BLOCK * inFeatures];
        }

        /**
         * Adds a batch of activations, one token per row (tokens × inFeatures).
         *
         * @throws IllegalArgumentException for a width other than inFeatures or a NaN/infinite entry (naming its token
         *                                  row and feature); nothing is added then
         */
        public Accumulator add(FMatrixRMaj batch) {
            if (batch.numCols != inFeatures) {
                throw new IllegalArgumentException("batch has " + batch.numCols + " columns, expected inFeatures=" + inFeatures);
            }
            checkFinite("batch", batch.data, 0, batch.numRows);
            accumulate(batch.data, 0, batch.numRows);
            return this;
        }

        /**
         * Adds {@code count} token rows of inFeatures values stored contiguously in {@code rows} from {@code offset}.
         * Tokens are taken {@value #TOKEN_BLOCK} at a time: each row of G receives the whole block's rank-1 updates
         * while it is in cache, so G is streamed once per block instead of once per token.
         *
         * @throws IllegalArgumentException for a negative offset or count, a range beyond the array, or a NaN/infinite
         *                                  value (naming its token row and feature); nothing is added then
         */
        public Accumulator add(float[] rows, int offset, int count) {
            java.util.Objects.requireNonNull(rows, "rows");
            if (offset < 0 || count < 0 || (long) offset + (long) count * inFeatures > rows.length) {
                throw new IllegalArgumentException("rows: " + count + " tokens of inFeatures=" + inFeatures + " from offset " + offset
                        + " do not fit in an array of " + rows.length + " values");
            }
            checkFinite("rows", rows, offset, count);
            accumulate(rows, offset, count);
            return this;
        }

        /**
         * The door's one scan: a NaN or infinity in calibration activations would reach the Cholesky of G (as a NaN
         * Gram) far from its cause, so it is named here by token row and feature.
         */
        private void checkFinite(String name, float[] rows, int offset, int count) {
            final int d = inFeatures;
            for (int t = 0; t < count; t++) {
                final int base = offset + t * d;
                for (int i = 0; i < d; i++) {
                    if (!Float.isFinite(rows[base + i])) {
                        throw new IllegalArgumentException(name + " has a non-finite entry " + rows[base + i] + " at (" + t + ", " + i
                                + "): token (row) " + t + ", feature " + i + " of " + count + " tokens x " + d + " features");
                    }
                }
            }
        }

        private void accumulate(float[] rows, int offset, int count) {
            final FloatOps ops = FloatOps.get();
            final int d = inFeatures;
            for (int t0 = 0; t0 < count; t0 += TOKEN_BLOCK) {
                final int block = Math.min(TOKEN_BLOCK, count - t0);
                for (int b = 0; b < block; b++) {
                    final int base = offset + (t0 + b) * d;
                    for (int i = 0; i < d; i++) tokenBlock[b * d + i] = rows[base + i];
                }
                // G[i, 0..i] += Σ_b x_b[i] · x_b[0..i]
                for (int i = 0; i < d; i++) {
                    for (int b = 0; b < block; b++) {
                        final double xi = tokenBlock[b * d + i];
                        if (xi != 0) ops.axpy(xi, tokenBlock, b * d, lower, i * d, i + 1);
                    }
                }
            }
            tokens += count;
        }

        /** Adds another accumulator's statistics. */
        public Accumulator merge(Accumulator other) {
            if (other.inFeatures != inFeatures) {
                throw new IllegalArgumentException("cannot merge inFeatures=" + other.inFeatures + " into " + inFeatures);
            }
            for (int i = 0; i < lower.length; i++) lower[i] += other.lower[i];
            tokens += other.tokens;
            return this;
        }

        public long tokens() {
            return tokens;
        }

        /** The statistics so far; throws when no token was added. */
        public CalibrationStats build() {
            if (tokens == 0) throw new IllegalArgumentException("empty calibration: no token was added");
            final int d = inFeatures;
            final DMatrixRMaj g = new DMatrixRMaj(d, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    g.data[i * d + j] = lower[i * d + j];
                    g.data[j * d + i] = lower[i * d + j];
                }
            }
            return new CalibrationStats(g, tokens);
        }
    }
}
