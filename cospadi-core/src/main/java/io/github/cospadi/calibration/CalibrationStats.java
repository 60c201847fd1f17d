package io.github.cospadi.calibration;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.util.Objects;

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

    /** A mutable accumulator for streaming batches, on the calling thread. Not thread-safe; merge per-thread accumulators instead. */
    public static Accumulator accumulator(int inFeatures) {
        return accumulator(inFeatures, Parallelism.sequential());
    }

    /**
     * A mutable accumulator whose {@code add} calls split the rows of G between up to {@code parallelism} threads. The
     * Gram is bit-identical for every parallelism (see {@link Accumulator}). The accumulator itself is not thread-safe:
     * call it from one thread at a time.
     */
    public static Accumulator accumulator(int inFeatures, Parallelism parallelism) {
        Objects.requireNonNull(parallelism, "parallelism");
        return new Accumulator(Checks.positive("inFeatures", inFeatures), parallelism);
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

    /**
     * Accumulates G = Σ xᵀx over token rows in double, lower triangle only (mirrored by {@link #build}).
     *
     * <p>Summation order: every entry G_ij (j ≤ i) is one chain of fused multiply-adds over the tokens in the order they
     * were added, G_ij ← fma(x_i, x_j, G_ij), starting from 0 (a {@link #merge} adds the other accumulator's sums
     * entrywise). So the Gram does not depend on how the tokens are cut into batches, nor on the parallelism: the
     * threads split the rows of G, never the tokens of an entry. Tokens are converted to double {@value #TOKEN_BLOCK}
     * at a time and multiplied by a register-tiled kernel ({@link FloatOps#syrkLower}).
     */
    public static final class Accumulator {
        /** Tokens converted to double at a time (TOKEN_BLOCK·inFeatures doubles of scratch per thread). */
        static final int TOKEN_BLOCK = 256;
        /** Row blocks per thread when G's rows are split between threads, for dynamic balancing. */
        private static final int BLOCKS_PER_THREAD = 4;
        /** Below this many multiply-adds (tokens·d²/2) an update runs on the calling thread. */
        private static final long PARALLEL_THRESHOLD = 1L << 20;
        private final int inFeatures;
        private final double[] lower; // (inFeatures x inFeatures) row-major, lower triangle filled
        private final Parallelism parallelism;
        private final int[] rowBlocks; // boundaries of the row blocks of G given to threads: 0 = b_0 < b_1 < … = inFeatures
        private long tokens;

        private Accumulator(int inFeatures, Parallelism parallelism) {
            this.inFeatures = inFeatures;
            this.lower = new double[inFeatures * inFeatures];
            this.parallelism = parallelism;
            this.rowBlocks = rowBlocks(inFeatures, parallelism.threads() == 1 ? 1 : BLOCKS_PER_THREAD * parallelism.threads());
        }

        /**
         * Boundaries of up to {@code blocks} row blocks of a d × d lower triangle holding equal numbers of entries: rows
         * [0, b) hold about b²/2 of them, so b_q = d·√(q/blocks), rounded up to a multiple of 8 (whole register tiles).
         */
        static int[] rowBlocks(int d, int blocks) {
            final int[] bounds = new int[blocks + 1];
            int n = 1;
            for (int q = 1; q <= blocks; q++) {
                final int b = Math.min(d, (int) Math.ceil(d * Math.sqrt((double) q / blocks) / 8) * 8);
                if (b > bounds[n - 1]) bounds[n++] = b;
            }
            bounds[n - 1] = d;
            return java.util.Arrays.copyOf(bounds, n);
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
         * Tokens are converted to double {@value #TOKEN_BLOCK} at a time and each block is one symmetric rank-k update of
         * G's lower triangle.
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
            final int d = inFeatures;
            final double[] block = scratch(Math.min(count, TOKEN_BLOCK) * d);
            for (int t0 = 0; t0 < count; t0 += TOKEN_BLOCK) {
                final int n = Math.min(TOKEN_BLOCK, count - t0);
                final int base = offset + t0 * d;
                for (int q = 0; q < n * d; q++) block[q] = rows[base + q];
                update(block, n);
            }
            tokens += count;
        }

        private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[1][0]);

        /**
         * A per-thread array of at least {@code size} doubles for the converted tokens, shared by all accumulators (a new
         * array per call cost 5–10 % at d = 576; one per accumulator would hold memory for every layer at once).
         */
        private static double[] scratch(int size) {
            final double[][] holder = SCRATCH.get();
            if (holder[0].length < size) holder[0] = new double[size];
            return holder[0];
        }

        /** G's lower triangle += the fma chains of the first n tokens of {@code block}, rows of G split into row blocks. */
        private void update(double[] block, int n) {
            final FloatOps ops = FloatOps.get();
            final int d = inFeatures, blocks = rowBlocks.length - 1;
            if (blocks == 1 || (long) n * d * d / 2 < PARALLEL_THRESHOLD) {
                ops.syrkLower(block, n, d, lower, 0, d);
                return;
            }
            parallelism.forEachBlock(blocks, 1, (from, to) -> {
                for (int q = from; q < to; q++) ops.syrkLower(block, n, d, lower, rowBlocks[q], rowBlocks[q + 1]);
            });
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
