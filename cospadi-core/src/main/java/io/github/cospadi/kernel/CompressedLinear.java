package io.github.cospadi.kernel;

import io.github.cospadi.CompressedGroup;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import io.github.cospadi.sparse.Int8ColumnCodes;
import io.github.cospadi.Quantization;
import org.ejml.data.FMatrixRMaj;

import java.util.List;

/**
 * A CoSpaDi layer at run time: y = Ŵx = Sᵀ(Dᵀx) without forming Ŵ (docs/design.md §1, §8). Step 1, u = Dᵀx (k),
 * streams the dictionary once, atom by atom (stored as Dᵀ, K_active × inFeatures), as one dot product per atom
 * with the L1-resident x. Step 2 depends on the {@link CodePrecision}:
 * <ul>
 *   <li>{@code F32} (exact): y_j = Σ_t u[row_{j,t}]·S_{j,t}, gathered from the L1-resident u; 8 bytes per stored
 *       entry (int32 row + float value);</li>
 *   <li>{@code INT8}: the atoms balanced ({@link Quantization#balanceAtoms}), the codes quantized per column
 *       ({@link Int8ColumnCodes}) and laid out as dense tiles of 64
 *       columns × K_active atoms, one byte per (atom, column) with zeros off the support, so y = scale ⊙ (Qᵀu) is a
 *       gather-free streaming product: k·d2 bytes, i.e. ρ bytes per stored entry (2 at the paper's ρ = 2, against 3
 *       for a 16-bit index + int8 value; the vector gather it would need runs at ~3 entries/ns here, the tile
 *       product at cache speed).</li>
 * </ul>
 * Batches compute (X·D)·S, X·D by {@link Kernels#gemmRows}. Atoms that no column uses are dropped at construction
 * (K_active ≤ k).
 */
public final class CompressedLinear implements LinearOperator {
    /** How step 2 stores the codes. */
    public enum CodePrecision {
        /** Float values and int32 rows: the exact product of the factors. */
        F32,
        /** Int8 values with one scale per column after balancing the atoms: the error of {@link Quantization#int8Codes}. */
        INT8
    }

    /** Atoms per parallel block of u = Dᵀx. */
    static final int ATOM_BLOCK = 64;
    static final int COLUMN_BLOCK = 256;
    /** Int8 tiles per parallel block of step 2. */
    static final int TILE_BLOCK = 4;
    private static final int TILE = FloatOps.INT8_TILE;

    private final int inFeatures, outFeatures, atoms, s;
    private final float[] atomsByRow; // Dᵀ (atoms x inFeatures): active atom a is row a
    private final int[] rows;         // F32: (outFeatures * s) atom of each entry, remapped to active atoms; else null
    private final float[] values;     // F32: (outFeatures * s); else null
    private final CodePrecision precision;
    private final byte[] tiles;       // INT8: tile c, atom a, lane l at (c·atoms + a)·64 + l; else null
    private final float[] scales;     // INT8: (tiles · 64) column scales, zero-padded; else null

    /** The exact ({@link CodePrecision#F32}) layer. */
    public CompressedLinear(FMatrixRMaj dictionary, ColumnSparseMatrix codes) {
        this(dictionary, codes, CodePrecision.F32);
    }

    /** The layer with its codes stored at {@code precision} (INT8: atoms balanced, then quantized per column). */
    public CompressedLinear(FMatrixRMaj dictionary, ColumnSparseMatrix codes, CodePrecision precision) {
        this(stored(new CompressedMatrix(dictionary, codes, null), precision), precision == CodePrecision.INT8);
    }

    /**
     * The INT8 layer of codes that are already quantized (as stored by the INT8 file layout), used as they are: no
     * balancing, no second quantization.
     */
    public CompressedLinear(FMatrixRMaj dictionary, Int8ColumnCodes codes) {
        this(dictionary, codes.dequantize(), codes);
    }

    /** {@code int8}: {@code c} is already balanced and is quantized here. */
    private CompressedLinear(CompressedMatrix c, boolean int8) {
        this(c.dictionaryView(), c.codes(), int8 ? Int8ColumnCodes.of(c.codes()) : null);
    }

    /** The factors as step 2 stores them: balanced for INT8 (the same product), as they are for F32. */
    private static CompressedMatrix stored(CompressedMatrix c, CodePrecision precision) {
        return java.util.Objects.requireNonNull(precision, "precision") == CodePrecision.INT8 ? Quantization.balanceAtoms(c) : c;
    }

    /** {@code quantized}: the INT8 tile values (their dequantized form is {@code codes}), or null for F32. */
    private CompressedLinear(FMatrixRMaj dictionary, ColumnSparseMatrix codes, Int8ColumnCodes quantized) {
        this(activeAtoms(dictionary, List.of(codes)), dictionary, codes, quantized);
    }

    private CompressedLinear(int[] map, FMatrixRMaj dictionary, ColumnSparseMatrix codes, Int8ColumnCodes quantized) {
        this(transposeActive(dictionary, map), map, dictionary.numRows, codes, quantized);
    }

    /**
     * The layer over a Dᵀ of the active atoms ({@code atomsByRow}, possibly shared with other layers of a group) and
     * {@code map}: atom i of the codes is row map[i] of Dᵀ (−1: used by no layer of the group).
     */
    private CompressedLinear(float[] atomsByRow, int[] map, int inFeatures, ColumnSparseMatrix codes, Int8ColumnCodes quantized) {
        final int active = atomsByRow.length / inFeatures;
        this.inFeatures = inFeatures;
        this.outFeatures = codes.numCols();
        this.atoms = active;
        this.s = codes.nonzerosPerColumn();
        this.atomsByRow = atomsByRow;
        final int[] rows = new int[codes.rowIndices().length];
        final float[] values = codes.values().clone();
        for (int t = 0; t < rows.length; t++) {
            final int m = map[codes.rowIndices()[t]];
            rows[t] = m >= 0 ? m : 0;
            if (m < 0) values[t] = 0f; // a stored zero on an inactive atom
        }
        this.precision = quantized != null ? CodePrecision.INT8 : CodePrecision.F32;
        if (quantized != null) {
            if (outFeatures > 0 && (long) ((outFeatures + TILE - 1) / TILE) * active * TILE > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("int8 tiles of " + active + " atoms x " + outFeatures + " columns exceed one Java array");
            }
            final int tileCount = (outFeatures + TILE - 1) / TILE;
            this.tiles = new byte[tileCount * active * TILE];
            this.scales = new float[tileCount * TILE];
            System.arraycopy(quantized.scales(), 0, scales, 0, outFeatures);
            for (int j = 0; j < outFeatures; j++) {
                final int base = (j / TILE) * active * TILE + j % TILE;
                for (int t = j * s; t < (j + 1) * s; t++) {
                    if (values[t] != 0f) tiles[base + rows[t] * TILE] = quantized.quantized()[t];
                }
            }
            this.rows = null; // the tiles replace the float codes
            this.values = null;
        } else {
            this.tiles = null;
            this.scales = null;
            this.rows = rows;
            this.values = values;
        }
    }

    /**
     * The map from the atoms of D to the rows of Dᵀ kept at run time: the atoms some column of some code matrix uses
     * (a nonzero stored value), in order; an all-zero set keeps atom 0 so shapes stay valid.
     */
    private static int[] activeAtoms(FMatrixRMaj dictionary, List<ColumnSparseMatrix> codes) {
        final int k = dictionary.numCols;
        for (ColumnSparseMatrix c : codes) {
            if (c.numRows() != k) {
                throw new IllegalArgumentException("dictionary has " + k + " atoms but codes have " + c.numRows() + " rows");
            }
        }
        final boolean[] used = new boolean[k];
        for (ColumnSparseMatrix c : codes) {
            for (int t = 0; t < c.values().length; t++) if (c.values()[t] != 0f) used[c.rowIndices()[t]] = true;
        }
        final int[] map = new int[k];
        java.util.Arrays.fill(map, -1);
        int active = 0;
        for (int i = 0; i < k; i++) if (used[i]) map[i] = active++;
        if (active == 0) map[0] = 0;
        return map;
    }

    /** Dᵀ restricted to the mapped atoms: row map[i] is atom i. */
    private static float[] transposeActive(FMatrixRMaj dictionary, int[] map) {
        final int d1 = dictionary.numRows, k = dictionary.numCols;
        int active = 0;
        for (int m : map) active = Math.max(active, m + 1);
        final float[] out = new float[d1 * active];
        for (int r = 0; r < d1; r++) {
            for (int i = 0; i < k; i++) if (map[i] >= 0) out[map[i] * d1 + r] = dictionary.data[r * k + i];
        }
        return out;
    }

    /**
     * The run-time layers of a group with one shared dictionary (docs/design.md §5.8), holding <em>one</em> Dᵀ array (the
     * atoms any member uses): {@code INT8} balances the atoms with the RMS over all members' codes
     * ({@link Quantization#balanceAtoms(CompressedGroup)}) and quantizes each member per column. Each layer computes
     * exactly what {@code of(member, F32)} computes for F32 (the same products, over the union of active atoms).
     *
     * @throws IllegalArgumentException when a member is not INPUT
     */
    public static List<CompressedLinear> group(CompressedGroup group, CodePrecision precision) {
        java.util.Objects.requireNonNull(precision, "precision");
        for (CompressedMatrix c : group.members()) {
            if (c.orientation() != io.github.cospadi.common.Orientation.INPUT) {
                throw new IllegalArgumentException("a shared-dictionary layer runs the INPUT orientation, got " + c + " in " + group);
            }
        }
        if (precision == CodePrecision.F32) {
            final List<ColumnSparseMatrix> codes = new java.util.ArrayList<>();
            for (CompressedMatrix c : group.members()) codes.add(c.codes());
            return group(group.dictionaryView(), codes, null);
        }
        final CompressedGroup balanced = Quantization.balanceAtoms(group);
        final List<ColumnSparseMatrix> codes = new java.util.ArrayList<>();
        final List<Int8ColumnCodes> quantized = new java.util.ArrayList<>();
        for (CompressedMatrix c : balanced.members()) {
            codes.add(c.codes());
            quantized.add(Int8ColumnCodes.of(c.codes()));
        }
        return group(balanced.dictionaryView(), codes, quantized);
    }

    /**
     * The INT8 layers of a group whose codes are already quantized against one balanced dictionary (as the INT8 file
     * layout stores them), sharing one Dᵀ array.
     */
    public static List<CompressedLinear> groupOfQuantized(FMatrixRMaj balancedDictionary, List<Int8ColumnCodes> codes) {
        final List<ColumnSparseMatrix> dequantized = new java.util.ArrayList<>();
        for (Int8ColumnCodes c : codes) dequantized.add(c.dequantize());
        return group(balancedDictionary, dequantized, List.copyOf(codes));
    }

    /** The exact (F32) layers of codes that share {@code dictionary} (INPUT: Ŵ_iᵀ = D·S_i), holding one Dᵀ array. */
    public static List<CompressedLinear> group(FMatrixRMaj dictionary, List<ColumnSparseMatrix> codes) {
        return group(dictionary, List.copyOf(codes), null);
    }

    private static List<CompressedLinear> group(FMatrixRMaj dictionary, List<ColumnSparseMatrix> codes, List<Int8ColumnCodes> quantized) {
        if (codes.isEmpty()) throw new IllegalArgumentException("a group has at least one member");
        final int[] map = activeAtoms(dictionary, codes);
        final float[] shared = transposeActive(dictionary, map);
        final List<CompressedLinear> out = new java.util.ArrayList<>(codes.size());
        for (int i = 0; i < codes.size(); i++) {
            out.add(new CompressedLinear(shared, map, dictionary.numRows, codes.get(i), quantized == null ? null : quantized.get(i)));
        }
        return List.copyOf(out);
    }

    /** Whether this layer and {@code other} hold the same Dᵀ array (members of one group). */
    public boolean sharesDictionaryWith(CompressedLinear other) {
        return other != null && other.atomsByRow == atomsByRow;
    }

    /** The exact layer of {@code c} (INPUT orientation; {@link LinearOperator#of} takes either). */
    public static CompressedLinear of(CompressedMatrix c) {
        return of(c, CodePrecision.F32);
    }

    /** The layer of {@code c} with its codes stored at {@code precision} (INPUT orientation; {@link LinearOperator#of} takes either). */
    public static CompressedLinear of(CompressedMatrix c, CodePrecision precision) {
        if (c.orientation() != io.github.cospadi.common.Orientation.INPUT) {
            throw new IllegalArgumentException("CompressedLinear runs the INPUT orientation (Ŵᵀ = D·S), got " + c.orientation()
                    + ": use LinearOperator.of(c, precision)");
        }
        return new CompressedLinear(c.dictionaryView(), c.codes(), precision);
    }

    public CodePrecision codePrecision() { return precision; }

    @Override public int inFeatures() { return inFeatures; }

    @Override public int outFeatures() { return outFeatures; }

    /** K_active: atoms used by at least one column. */
    public int activeAtoms() { return atoms; }

    @Override
    public float[] multiply(float[] x, float[] y, Parallelism parallelism) {
        Kernels.checkVector(this, x);
        final int k = atoms;
        final float[] u = new float[k];
        // u_a = ⟨D_a, x⟩ with the L1-resident x: the atoms stream contiguously, split between threads without a reduction
        parallelism.forEachBlock(k, ATOM_BLOCK, (from, to) -> FloatOps.get().dotRows(atomsByRow, from * inFeatures, inFeatures, to - from, x, 0, inFeatures, u, from));
        final float[] out = y != null ? y : new float[outFeatures];
        if (precision == CodePrecision.INT8) {
            parallelism.forEachBlock(tileCount(), TILE_BLOCK, (from, to) -> {
                for (int c = from; c < to; c++) tileProduct(u, 0, c, out, 0);
            });
            return out;
        }
        parallelism.forEachBlock(outFeatures, COLUMN_BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int j = from; j < to; j++) out[j] = ops.gatherDot(u, 0, rows, values, j * s, s);
        });
        return out;
    }

    @Override
    public FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism) {
        Kernels.checkBatch(this, x);
        final FMatrixRMaj xd = Kernels.gemmRows(x, atomsByRow, atoms, parallelism); // X·D (batch x k)
        final int batch = x.numRows;
        final FMatrixRMaj y = new FMatrixRMaj(batch, outFeatures);
        if (precision == CodePrecision.INT8) {
            parallelism.forEachBlock(tileCount(), TILE_BLOCK, (from, to) -> {
                final float[] last = new float[4 * TILE];
                for (int c = from; c < to; c++) {
                    int p = 0;
                    for (; p + 4 <= batch; p += 4) tileProduct4(xd.data, p * atoms, c, y.data, p * outFeatures, last);
                    for (; p < batch; p++) tileProduct(xd.data, p * atoms, c, y.data, p * outFeatures);
                }
            });
            return y;
        }
        parallelism.forEachBlock(outFeatures, COLUMN_BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int p = 0; p < batch; p++) {
                for (int j = from; j < to; j++) y.data[p * outFeatures + j] = ops.gatherDot(xd.data, p * atoms, rows, values, j * s, s);
            }
        });
        return y;
    }

    private int tileCount() {
        return (outFeatures + TILE - 1) / TILE;
    }

    /** y[yOff + 64c ..] = columns of tile c (only those below outFeatures are written). */
    private void tileProduct(float[] u, int uOff, int c, float[] y, int yOff) {
        final FloatOps ops = FloatOps.get();
        final int j0 = c * TILE, width = Math.min(TILE, outFeatures - j0);
        if (width == TILE) {
            ops.int8TileProduct(u, uOff, tiles, c * atoms * TILE, atoms, scales, j0, y, yOff + j0);
        } else {
            final float[] last = new float[TILE];
            ops.int8TileProduct(u, uOff, tiles, c * atoms * TILE, atoms, scales, j0, last, 0);
            System.arraycopy(last, 0, y, yOff + j0, width);
        }
    }

    /** Four batch rows of tile c at once (u rows {@code atoms} apart, y rows {@code outFeatures} apart). */
    private void tileProduct4(float[] u, int uOff, int c, float[] y, int yOff, float[] last) {
        final FloatOps ops = FloatOps.get();
        final int j0 = c * TILE, width = Math.min(TILE, outFeatures - j0);
        if (width == TILE) {
            ops.int8TileProduct4(u, uOff, atoms, tiles, c * atoms * TILE, atoms, scales, j0, y, yOff + j0, outFeatures);
        } else {
            ops.int8TileProduct4(u, uOff, atoms, tiles, c * atoms * TILE, atoms, scales, j0, last, 0, TILE);
            for (int r = 0; r < 4; r++) System.arraycopy(last, r * TILE, y, yOff + r * outFeatures + j0, width);
        }
    }

    /** Weight bytes one batch-1 product streams: D, then the float codes or the int8 tiles and their scales. */
    @Override
    public long weightBytes() {
        final long codes = precision == CodePrecision.INT8 ? tiles.length + 4L * scales.length : 8L * outFeatures * s;
        return 4L * inFeatures * atoms + codes;
    }
}
