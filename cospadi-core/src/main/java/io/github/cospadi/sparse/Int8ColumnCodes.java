package io.github.cospadi.sparse;

/**
 * Codes S with one signed byte per stored entry and one float scale per column: S_{j,t} ≈ scale_j · q_{j,t}, where
 * scale_j = max_t |S_{j,t}| / 127 and q = round(S / scale) (docs/design.md §6). The support (row indices) is that of
 * the float codes. Immutable; the accessors return the backing arrays (do not modify).
 */
public final class Int8ColumnCodes {
    private final ColumnSparseMatrix support; // the float codes this was quantized from (rows and shape)
    private final byte[] q;                  // (numCols * s), column-major like the support
    private final float[] scales;            // (numCols)

    private Int8ColumnCodes(ColumnSparseMatrix support, byte[] q, float[] scales) {
        this.support = support;
        this.q = q;
        this.scales = scales;
    }

    /** Quantizes every column of {@code codes} with its own scale (round to nearest, {@link Math#round(float)}). */
    public static Int8ColumnCodes of(ColumnSparseMatrix codes) {
        final int s = codes.nonzerosPerColumn(), n = codes.numCols();
        final float[] v = codes.values();
        final byte[] q = new byte[v.length];
        final float[] scales = new float[n];
        for (int j = 0; j < n; j++) {
            float max = 0;
            for (int t = j * s; t < (j + 1) * s; t++) max = Math.max(max, Math.abs(v[t]));
            if (!Float.isFinite(max)) throw new IllegalArgumentException("codes column " + j + " has a non-finite value (max |v| = " + max + ")");
            final float scale = max / 127f;
            scales[j] = scale;
            if (scale == 0f) continue;
            for (int t = j * s; t < (j + 1) * s; t++) q[t] = (byte) Math.max(-127, Math.min(127, Math.round(v[t] / scale)));
        }
        return new Int8ColumnCodes(codes, q, scales);
    }

    /**
     * Codes already quantized, e.g. read from a file: row indices as in {@link ColumnSparseMatrix} (strictly increasing
     * per column), q in [−127, 127], one finite non-negative scale per column. Throws naming the first bad value.
     */
    public static Int8ColumnCodes of(int numRows, int numCols, int s, int[] rowIndices, byte[] q, float[] scales) {
        if (scales.length != numCols) throw new IllegalArgumentException("scales.length must be numCols = " + numCols + ", got " + scales.length);
        if (q.length != rowIndices.length) throw new IllegalArgumentException("q.length must equal rowIndices.length = " + rowIndices.length + ", got " + q.length);
        for (int j = 0; j < numCols; j++) {
            if (!(scales[j] >= 0 && scales[j] < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("column " + j + " has scale " + scales[j] + " (must be finite and non-negative)");
            }
        }
        for (int t = 0; t < q.length; t++) {
            if (q[t] == Byte.MIN_VALUE) throw new IllegalArgumentException("entry " + t + " is -128, outside [-127, 127]");
        }
        final float[] v = new float[q.length];
        final ColumnSparseMatrix support = new ColumnSparseMatrix(numRows, numCols, s, rowIndices, v); // checks the rows
        for (int t = 0; t < q.length; t++) v[t] = scales[t / s] * q[t];
        return new Int8ColumnCodes(support, q, scales);
    }

    public int numRows() { return support.numRows(); }

    public int numCols() { return support.numCols(); }

    public int nonzerosPerColumn() { return support.nonzerosPerColumn(); }

    /** Row index of each entry (column-major, length numCols·s); shared with the float codes. Do not modify. */
    public int[] rowIndices() { return support.rowIndices(); }

    /** The quantized entries, column-major. Do not modify. */
    public byte[] quantized() { return q; }

    /** One scale per column. Do not modify. */
    public float[] scales() { return scales; }

    /** The float codes scale_j · q_{j,t} on the same support. */
    public ColumnSparseMatrix dequantize() {
        final int s = nonzerosPerColumn();
        final float[] v = new float[q.length];
        for (int t = 0; t < q.length; t++) v[t] = scales[t / s] * q[t];
        return new ColumnSparseMatrix(numRows(), numCols(), s, support.rowIndices(), v);
    }

    @Override
    public String toString() {
        return "Int8ColumnCodes[" + numRows() + "x" + numCols() + ", s=" + nonzerosPerColumn() + "]";
    }
}
