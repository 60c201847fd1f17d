package io.github.cospadi.kernel;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import io.github.cospadi.sparse.Int8ColumnCodes;
import io.github.cospadi.Quantization;
import org.ejml.data.FMatrixRMaj;

import java.util.Arrays;

/**
 * A layer in the {@link Orientation#OUTPUT} form at run time: y = Ŵx = D·(S·x), D (outFeatures × k), S (k ×
 * inFeatures, s entries per input channel), without forming Ŵ (docs/design.md §5.6, §8). Step 1, u = S·x (k), adds
 * every input channel's code times x_j:
 * <ul>
 *   <li>{@code F32} (exact): scattered into the L1-resident u, 8 bytes per stored entry;</li>
 *   <li>{@code INT8}: atoms balanced ({@link Quantization#balanceAtoms}), codes quantized per input channel
 *       ({@link Int8ColumnCodes}) and laid out as dense tiles of 64 atoms × inFeatures channels, so u is a gather-free
 *       streaming product of the tiles with x' = scale ⊙ x: {@link FloatOps#int8TileProduct} with the roles of
 *       atoms and columns of {@link CompressedLinear} exchanged (k·inFeatures bytes, ρ per stored entry).</li>
 * </ul>
 * Step 2, y = D·u, streams D row by row ({@link FloatOps#dotRows}). Batches compute U = X·Sᵀ row by row, then
 * Y = U·Dᵀ by {@link Kernels#gemmRows}. Immutable and thread-safe; results do not depend on the {@link Parallelism}.
 */
public final class OutputCompressedLinear implements LinearOperator {
    /** Rows of D per parallel block of step 2. */
    static final int ROW_BLOCK = 64;
    /** Atom tiles per parallel block of the int8 step 1. */
    static final int TILE_BLOCK = 4;
    private static final int TILE = FloatOps.INT8_TILE;

    private final int inFeatures, outFeatures, atoms, s;
    private final float[] dictionary; // D (outFeatures x atoms), row-major
    private final CompressedLinear.CodePrecision precision;
    private final int[] rows;         // F32: (inFeatures * s); else null
    private final float[] values;     // F32: (inFeatures * s); else null
    private final byte[] tiles;       // INT8: tile c, channel j, lane l at (c·inFeatures + j)·64 + l; else null
    private final float[] scales;     // INT8: per input channel
    private final float[] ones;       // INT8: unit output scales of the tile product

    /** The layer of an OUTPUT-orientation matrix with its codes at {@code precision} (INT8: balanced, then quantized). */
    public OutputCompressedLinear(CompressedMatrix c, CompressedLinear.CodePrecision precision) {
        this(balancedFor(c, precision), precision == CompressedLinear.CodePrecision.INT8);
    }

    /**
     * The INT8 layer of codes that are already quantized (as the INT8 file layout stores them): D (outFeatures × k,
     * balanced) and the int8 codes (k × inFeatures), used as they are.
     */
    public OutputCompressedLinear(FMatrixRMaj dictionary, Int8ColumnCodes codes) {
        this(dictionary, codes.dequantize(), codes);
    }

    private OutputCompressedLinear(CompressedMatrix balanced, boolean int8) {
        this(balanced.dictionaryView(), balanced.codes(), int8 ? Int8ColumnCodes.of(balanced.codes()) : null);
    }

    private static CompressedMatrix balancedFor(CompressedMatrix c, CompressedLinear.CodePrecision precision) {
        java.util.Objects.requireNonNull(precision, "precision");
        if (c.orientation() != Orientation.OUTPUT) {
            throw new IllegalArgumentException("OutputCompressedLinear needs the OUTPUT orientation, got " + c.orientation()
                    + " (use CompressedLinear)");
        }
        return precision == CompressedLinear.CodePrecision.INT8 ? Quantization.balanceAtoms(c) : c;
    }

    /** {@code quantized}: the int8 codes whose dequantized form is {@code codes}, or null for F32. */
    private OutputCompressedLinear(FMatrixRMaj dictionary, ColumnSparseMatrix codes, Int8ColumnCodes quantized) {
        this(checked(dictionary, codes).data.clone(), dictionary.numRows, codes, quantized);
    }

    private static FMatrixRMaj checked(FMatrixRMaj dictionary, ColumnSparseMatrix codes) {
        if (dictionary.numCols != codes.numRows()) {
            throw new IllegalArgumentException("dictionary has " + dictionary.numCols + " atoms but codes have " + codes.numRows() + " rows");
        }
        return dictionary;
    }

    /** {@code dictionary}: D (outFeatures × k, row-major), possibly shared with the other layers of a group. */
    private OutputCompressedLinear(float[] dictionary, int outFeatures, ColumnSparseMatrix codes, Int8ColumnCodes quantized) {
        this.inFeatures = codes.numCols();
        this.outFeatures = outFeatures;
        this.atoms = codes.numRows();
        this.s = codes.nonzerosPerColumn();
        this.dictionary = dictionary;
        if (quantized == null) {
            this.precision = CompressedLinear.CodePrecision.F32;
            this.rows = codes.rowIndices().clone();
            this.values = codes.values().clone();
            this.tiles = null;
            this.scales = null;
            this.ones = null;
        } else {
            this.precision = CompressedLinear.CodePrecision.INT8;
            final int tileCount = (atoms + TILE - 1) / TILE;
            if ((long) tileCount * inFeatures * TILE > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("int8 tiles of " + atoms + " atoms x " + inFeatures + " channels exceed one Java array");
            }
            this.tiles = new byte[tileCount * inFeatures * TILE];
            final int[] r = quantized.rowIndices();
            final byte[] q = quantized.quantized();
            for (int j = 0; j < inFeatures; j++) {
                for (int t = j * s; t < (j + 1) * s; t++) {
                    if (q[t] != 0) tiles[((r[t] / TILE) * inFeatures + j) * TILE + r[t] % TILE] = q[t];
                }
            }
            this.scales = quantized.scales().clone();
            this.ones = new float[tileCount * TILE];
            Arrays.fill(ones, 1f);
            this.rows = null;
            this.values = null;
        }
    }

    /**
     * The run-time layers of an OUTPUT group (docs/design.md §5.8) holding one copy of D: {@code INT8} balances the atoms
     * over all members' codes ({@link Quantization#balanceAtoms(io.github.cospadi.CompressedGroup)}) and quantizes each
     * member per channel.
     */
    public static java.util.List<OutputCompressedLinear> group(io.github.cospadi.CompressedGroup group, CompressedLinear.CodePrecision precision) {
        java.util.Objects.requireNonNull(precision, "precision");
        if (group.orientation() != Orientation.OUTPUT) {
            throw new IllegalArgumentException("OutputCompressedLinear.group needs an OUTPUT group, got " + group);
        }
        final io.github.cospadi.CompressedGroup g = precision == CompressedLinear.CodePrecision.INT8 ? Quantization.balanceAtoms(group) : group;
        final java.util.List<Int8ColumnCodes> quantized = new java.util.ArrayList<>();
        for (CompressedMatrix c : g.members()) quantized.add(precision == CompressedLinear.CodePrecision.INT8 ? Int8ColumnCodes.of(c.codes()) : null);
        return groupOf(g.dictionaryView(), g.members().stream().map(CompressedMatrix::codes).collect(java.util.stream.Collectors.toList()), quantized);
    }

    /** The INT8 layers of an OUTPUT group's stored codes, quantized against one balanced D, holding one copy of D. */
    public static java.util.List<OutputCompressedLinear> groupOfQuantized(FMatrixRMaj balancedDictionary, java.util.List<Int8ColumnCodes> codes) {
        final java.util.List<ColumnSparseMatrix> dequantized = new java.util.ArrayList<>();
        for (Int8ColumnCodes c : codes) dequantized.add(c.dequantize());
        return groupOf(balancedDictionary, dequantized, codes);
    }

    private static java.util.List<OutputCompressedLinear> groupOf(FMatrixRMaj dictionary, java.util.List<ColumnSparseMatrix> codes,
                                                                 java.util.List<Int8ColumnCodes> quantized) {
        final float[] shared = dictionary.data.clone();
        final java.util.List<OutputCompressedLinear> out = new java.util.ArrayList<>();
        for (int i = 0; i < codes.size(); i++) {
            checked(dictionary, codes.get(i));
            out.add(new OutputCompressedLinear(shared, dictionary.numRows,
                    codes.get(i), quantized.get(i)));
        }
        return java.util.List.copyOf(out);
    }

    /** Whether this layer and {@code other} hold the same D array (members of one group). */
    public boolean sharesDictionaryWith(OutputCompressedLinear other) {
        return other != null && other.dictionary == dictionary;
    }

    public CompressedLinear.CodePrecision codePrecision() { return precision; }

    @Override public int inFeatures() { return inFeatures; }

    @Override public int outFeatures() { return outFeatures; }

    @Override
    public float[] multiply(float[] x, float[] y, Parallelism parallelism) {
        Kernels.checkVector(this, x);
        final float[] u = new float[tileAtoms()];
        step1(x, 0, u, 0, parallelism);
        final float[] out = y != null ? y : new float[outFeatures];
        parallelism.forEachBlock(outFeatures, ROW_BLOCK, (from, to) ->
                FloatOps.get().dotRows(dictionary, from * atoms, atoms, to - from, u, 0, atoms, out, from));
        return out;
    }

    @Override
    public FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism) {
        Kernels.checkBatch(this, x);
        final int batch = x.numRows, width = tileAtoms();
        final float[] u = new float[batch * width];
        // U = X·Sᵀ, one batch row per task (each row's sums in the same order as the vector product)
        parallelism.forEachBlock(batch, 1, (from, to) -> {
            for (int p = from; p < to; p++) step1(x.data, p * inFeatures, u, p * width, Parallelism.sequential());
        });
        final FMatrixRMaj uk = new FMatrixRMaj(batch, atoms);
        for (int p = 0; p < batch; p++) System.arraycopy(u, p * width, uk.data, p * atoms, atoms);
        return Kernels.gemmRows(uk, dictionary, outFeatures, parallelism); // U·Dᵀ
    }

    /** u[uOff ..] = S·x[xOff ..] (the int8 form writes whole tiles, so u has room for tileAtoms() entries). */
    private void step1(float[] x, int xOff, float[] u, int uOff, Parallelism parallelism) {
        if (precision == CompressedLinear.CodePrecision.F32) {
            for (int j = 0; j < inFeatures; j++) {
                final float xj = x[xOff + j];
                if (xj == 0f) continue;
                for (int t = j * s; t < (j + 1) * s; t++) u[uOff + rows[t]] += values[t] * xj;
            }
            return;
        }
        final float[] xs = new float[inFeatures];
        for (int j = 0; j < inFeatures; j++) xs[j] = scales[j] * x[xOff + j];
        parallelism.forEachBlock(tileAtoms() / TILE, TILE_BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int c = from; c < to; c++) ops.int8TileProduct(xs, 0, tiles, c * inFeatures * TILE, inFeatures, ones, c * TILE, u, uOff + c * TILE);
        });
    }

    /** k, or for INT8 k rounded up to whole tiles. */
    private int tileAtoms() {
        return precision == CompressedLinear.CodePrecision.INT8 ? (atoms + TILE - 1) / TILE * TILE : atoms;
    }

    /** Weight bytes one batch-1 product streams: D, then the float codes or the int8 tiles and their scales. */
    @Override
    public long weightBytes() {
        final long codes = precision == CompressedLinear.CodePrecision.INT8 ? tiles.length + 4L * scales.length : 8L * inFeatures * s;
        return 4L * outFeatures * atoms + codes;
    }

    @Override
    public String toString() {
        return "OutputCompressedLinear[" + outFeatures + "x" + inFeatures + ", k=" + atoms + ", s=" + s + ", " + precision + "]";
    }
}
