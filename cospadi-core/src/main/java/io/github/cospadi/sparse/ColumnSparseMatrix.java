package io.github.cospadi.sparse;

import org.ejml.data.DMatrixSparseCSC;
import org.ejml.data.FMatrixRMaj;

import java.util.Arrays;

/**
 * A k × n float matrix with <b>exactly</b> {@code s} stored entries per column: the code matrix S of
 * docs/design.md. Column j owns the slots {@code [j·s, (j+1)·s)} of {@link #rowIndices()} and
 * {@link #values()}; its row indices are strictly increasing. A stored value may be zero.
 *
 * <p>The constructor takes ownership of the arrays (no copy) after validating them. The accessors return
 * the backing arrays for kernels; callers must not modify them.
 */
public final class ColumnSparseMatrix {
    private final int numRows;
    private final int numCols;
    private final int nonzerosPerColumn;
    private final int[] rowIndices; // (numCols * s): row of each stored entry, column-major
    private final float[] values;   // (numCols * s)

    public ColumnSparseMatrix(int numRows, int numCols, int nonzerosPerColumn, int[] rowIndices, float[] values) {
        if (numRows < 1) throw new IllegalArgumentException("numRows must be positive, got " + numRows);
        if (numCols < 0) throw new IllegalArgumentException("numCols must be non-negative, got " + numCols);
        if (nonzerosPerColumn < 1 || nonzerosPerColumn > numRows) {
            throw new IllegalArgumentException("nonzerosPerColumn must be in [1, numRows=" + numRows + "], got "
                    + nonzerosPerColumn);
        }
        final long expected = (long) numCols * nonzerosPerColumn;
        if (rowIndices.length != expected) {
            throw new IllegalArgumentException("rowIndices.length must be numCols*nonzerosPerColumn = " + expected
                    + ", got " + rowIndices.length);
        }
        if (values.length != expected) {
            throw new IllegalArgumentException("values.length must be numCols*nonzerosPerColumn = " + expected
                    + ", got " + values.length);
        }
        for (int j = 0; j < numCols; j++) {
            int prev = -1;
            for (int t = j * nonzerosPerColumn, end = t + nonzerosPerColumn; t < end; t++) {
                final int r = rowIndices[t];
                if (r <= prev || r >= numRows) {
                    throw new IllegalArgumentException("column " + j + ": row index " + r + " at slot " + (t - j * nonzerosPerColumn)
                            + " must be in (" + prev + ", " + numRows + ") (strictly increasing, below numRows)");
                }
                prev = r;
            }
        }
        this.numRows = numRows;
        this.numCols = numCols;
        this.nonzerosPerColumn = nonzerosPerColumn;
        this.rowIndices = rowIndices;
        this.values = values;
    }

    public int numRows() { return numRows; }

    public int numCols() { return numCols; }

    /** s, the number of stored entries in every column. */
    public int nonzerosPerColumn() { return nonzerosPerColumn; }

    /** Backing array of row indices, column-major, length numCols·s. Do not modify. */
    public int[] rowIndices() { return rowIndices; }

    /** Backing array of values, column-major, length numCols·s. Do not modify. */
    public float[] values() { return values; }

    /** The entry at (row, col); zero when not stored. */
    public float get(int row, int col) {
        if (row < 0 || row >= numRows || col < 0 || col >= numCols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside " + numRows + "x" + numCols);
        }
        final int from = col * nonzerosPerColumn;
        final int t = Arrays.binarySearch(rowIndices, from, from + nonzerosPerColumn, row);
        return t >= 0 ? values[t] : 0f;
    }

    /** A deep copy. */
    public ColumnSparseMatrix copy() {
        return new ColumnSparseMatrix(numRows, numCols, nonzerosPerColumn, rowIndices.clone(), values.clone());
    }

    /** The dense k × n matrix. */
    public FMatrixRMaj toDense() {
        final FMatrixRMaj out = new FMatrixRMaj(numRows, numCols);
        for (int j = 0; j < numCols; j++) {
            for (int t = j * nonzerosPerColumn, end = t + nonzerosPerColumn; t < end; t++) {
                out.data[rowIndices[t] * numCols + j] = values[t];
            }
        }
        return out;
    }

    /**
     * Keeps exactly {@code s} entries of every column of {@code dense}: all its nonzeros, padded with explicit
     * zeros at the lowest free rows. Throws if a column has more than s nonzeros.
     */
    public static ColumnSparseMatrix fromDense(FMatrixRMaj dense, int s) {
        final int k = dense.numRows, n = dense.numCols;
        if (s < 1 || s > k) throw new IllegalArgumentException("s must be in [1, " + k + "], got " + s);
        final int[] rows = new int[n * s];
        final float[] vals = new float[n * s];
        final boolean[] keep = new boolean[k];
        final float[] column = new float[k];
        for (int j = 0; j < n; j++) {
            Arrays.fill(keep, false);
            int count = 0;
            for (int i = 0; i < k; i++) {
                column[i] = dense.data[i * n + j];
                if (column[i] != 0f) {
                    keep[i] = true;
                    count++;
                }
            }
            if (count > s) {
                throw new IllegalArgumentException("column " + j + " of dense has " + count + " nonzeros, more than s=" + s);
            }
            emitPadded(keep, column, count, s, j, rows, vals);
        }
        return new ColumnSparseMatrix(k, n, s, rows, vals);
    }

    /**
     * Column j's kept rows (count of them, values in {@code column}) padded with explicit zeros at the lowest free rows
     * to exactly s, written in increasing row order to slots [j·s, (j+1)·s).
     */
    private static void emitPadded(boolean[] keep, float[] column, int count, int s, int j, int[] rows, float[] vals) {
        final int k = keep.length;
        for (int i = 0; i < k && count < s; i++) {
            if (!keep[i]) {
                keep[i] = true;
                column[i] = 0f;
                count++;
            }
        }
        int t = j * s;
        for (int i = 0; i < k; i++) {
            if (keep[i]) {
                rows[t] = i;
                vals[t++] = column[i];
            }
        }
    }

    /**
     * Random codes for tests and benchmarks: every column gets s distinct rows drawn uniformly (sorted) and values
     * uniform in [−1, 1).
     */
    public static ColumnSparseMatrix random(int numRows, int numCols, int s, java.util.SplittableRandom random) {
        if (s < 1 || s > numRows) throw new IllegalArgumentException("s must be in [1, " + numRows + "], got " + s);
        final int[] rows = new int[numCols * s];
        final float[] vals = new float[numCols * s];
        final int[] perm = new int[numRows];
        for (int i = 0; i < numRows; i++) perm[i] = i;
        for (int j = 0; j < numCols; j++) {
            for (int t = 0; t < s; t++) { // partial Fisher–Yates: s distinct rows
                final int p = t + random.nextInt(numRows - t);
                final int tmp = perm[t];
                perm[t] = perm[p];
                perm[p] = tmp;
            }
            System.arraycopy(perm, 0, rows, j * s, s);
            Arrays.sort(rows, j * s, (j + 1) * s);
            for (int t = 0; t < s; t++) vals[j * s + t] = (float) (random.nextDouble() * 2 - 1);
        }
        return new ColumnSparseMatrix(numRows, numCols, s, rows, vals);
    }

    /** EJML compressed-sparse-column copy (double values, explicit zeros kept). */
    public DMatrixSparseCSC toCsc() {
        final DMatrixSparseCSC out = new DMatrixSparseCSC(numRows, numCols, rowIndices.length);
        for (int j = 0; j <= numCols; j++) out.col_idx[j] = j * nonzerosPerColumn;
        System.arraycopy(rowIndices, 0, out.nz_rows, 0, rowIndices.length);
        for (int t = 0; t < values.length; t++) out.nz_values[t] = values[t];
        out.nz_length = rowIndices.length;
        out.indicesSorted = true;
        return out;
    }

    /**
     * From EJML's compressed-sparse-column form: every column keeps its stored entries (in any order; values rounded to
     * float) padded with explicit zeros at the lowest free rows to exactly {@code s}. Throws, naming the entry, when a
     * column stores more than s entries, repeats a row, or holds a value that is not finite in float.
     */
    public static ColumnSparseMatrix fromCsc(DMatrixSparseCSC csc, int s) {
        final int k = csc.numRows, n = csc.numCols;
        if (s < 1 || s > k) throw new IllegalArgumentException("s must be in [1, numRows=" + k + "], got " + s);
        final int[] rows = new int[n * s];
        final float[] vals = new float[n * s];
        final float[] column = new float[k];
        final boolean[] stored = new boolean[k];
        for (int j = 0; j < n; j++) {
            final int from = csc.col_idx[j], to = csc.col_idx[j + 1];
            if (to - from > s) throw new IllegalArgumentException("column " + j + " of csc stores " + (to - from) + " entries, more than s=" + s);
            Arrays.fill(stored, false);
            for (int p = from; p < to; p++) {
                final int r = csc.nz_rows[p];
                if (r < 0 || r >= k) throw new IllegalArgumentException("column " + j + " of csc has row " + r + " outside [0, " + k + ")");
                if (stored[r]) throw new IllegalArgumentException("column " + j + " of csc stores row " + r + " twice");
                final float v = (float) csc.nz_values[p];
                if (!Float.isFinite(v)) throw new IllegalArgumentException("csc entry (" + r + ", " + j + ") = " + csc.nz_values[p] + " is not finite in float");
                stored[r] = true;
                column[r] = v;
            }
            emitPadded(stored, column, to - from, s, j, rows, vals);
        }
        return new ColumnSparseMatrix(k, n, s, rows, vals);
    }

    @Override
    public String toString() {
        return "ColumnSparseMatrix[" + numRows + "x" + numCols + ", s=" + nonzerosPerColumn + "]";
    }
}
