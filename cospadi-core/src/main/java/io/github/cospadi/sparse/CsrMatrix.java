package io.github.cospadi.sparse;

import org.ejml.data.DMatrixSparseCSC;
import org.ejml.data.FMatrixRMaj;

/**
 * A float matrix in compressed sparse row form: row i owns the entries {@code [rowPointers[i], rowPointers[i+1])} of
 * {@link #columnIndices()} and {@link #values()}, column indices strictly increasing within a row. Validated on
 * construction; the constructor takes ownership of the arrays and the accessors return them (do not modify).
 */
public final class CsrMatrix {
    private final int numRows, numCols;
    private final int[] rowPointers;   // (numRows + 1)
    private final int[] columnIndices; // (nonzeros)
    private final float[] values;      // (nonzeros)

    public CsrMatrix(int numRows, int numCols, int[] rowPointers, int[] columnIndices, float[] values) {
        if (numRows < 0 || numCols < 0) throw new IllegalArgumentException("shape must be non-negative, got " + numRows + "x" + numCols);
        if (rowPointers.length != numRows + 1) {
            throw new IllegalArgumentException("rowPointers.length must be numRows+1 = " + (numRows + 1) + ", got " + rowPointers.length);
        }
        if (rowPointers[0] != 0) throw new IllegalArgumentException("rowPointers[0] must be 0, got " + rowPointers[0]);
        if (columnIndices.length != values.length) {
            throw new IllegalArgumentException("columnIndices (" + columnIndices.length + ") and values (" + values.length + ") differ in length");
        }
        if (rowPointers[numRows] != values.length) {
            throw new IllegalArgumentException("rowPointers[numRows] must equal the number of values " + values.length + ", got " + rowPointers[numRows]);
        }
        for (int i = 0; i < numRows; i++) {
            if (rowPointers[i + 1] < rowPointers[i]) {
                throw new IllegalArgumentException("rowPointers must not decrease: rowPointers[" + (i + 1) + "]=" + rowPointers[i + 1]
                        + " < rowPointers[" + i + "]=" + rowPointers[i]);
            }
        }
        for (int i = 0; i < numRows; i++) {
            int prev = -1;
            for (int p = rowPointers[i]; p < rowPointers[i + 1]; p++) {
                final int c = columnIndices[p];
                if (c <= prev || c >= numCols) {
                    throw new IllegalArgumentException("row " + i + ": column index " + c + " must be in (" + prev + ", " + numCols
                            + ") (strictly increasing, below numCols)");
                }
                prev = c;
            }
        }
        this.numRows = numRows;
        this.numCols = numCols;
        this.rowPointers = rowPointers;
        this.columnIndices = columnIndices;
        this.values = values;
    }

    public int numRows() { return numRows; }

    public int numCols() { return numCols; }

    public int nonzeros() { return values.length; }

    public int[] rowPointers() { return rowPointers; }

    public int[] columnIndices() { return columnIndices; }

    public float[] values() { return values; }

    /** The entries of {@code dense} that are not zero. */
    public static CsrMatrix fromDense(FMatrixRMaj dense) {
        final int m = dense.numRows, n = dense.numCols;
        int nnz = 0;
        for (int i = 0; i < m * n; i++) if (dense.data[i] != 0f) nnz++;
        final int[] ptr = new int[m + 1], cols = new int[nnz];
        final float[] vals = new float[nnz];
        int p = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                final float v = dense.data[i * n + j];
                if (v != 0f) {
                    cols[p] = j;
                    vals[p++] = v;
                }
            }
            ptr[i + 1] = p;
        }
        return new CsrMatrix(m, n, ptr, cols, vals);
    }

    /** CSR of a column-sparse matrix (same k × n shape; stored zeros kept). */
    public static CsrMatrix of(ColumnSparseMatrix s) {
        final int k = s.numRows(), n = s.numCols(), per = s.nonzerosPerColumn();
        final int[] ptr = new int[k + 1];
        for (int r : s.rowIndices()) ptr[r + 1]++;
        for (int i = 0; i < k; i++) ptr[i + 1] += ptr[i];
        final int[] fill = java.util.Arrays.copyOf(ptr, k);
        final int[] cols = new int[n * per];
        final float[] vals = new float[n * per];
        for (int j = 0; j < n; j++) { // columns in increasing order keep each row's indices sorted
            for (int t = j * per; t < (j + 1) * per; t++) {
                final int q = fill[s.rowIndices()[t]]++;
                cols[q] = j;
                vals[q] = s.values()[t];
            }
        }
        return new CsrMatrix(k, n, ptr, cols, vals);
    }

    /** Back to column-sparse form; every column must hold the same number of entries. */
    public ColumnSparseMatrix toColumnSparse() {
        final int[] count = new int[numCols];
        for (int c : columnIndices) count[c]++;
        final int per = numCols == 0 ? 1 : count[0];
        for (int j = 0; j < numCols; j++) {
            if (count[j] != per) {
                throw new IllegalArgumentException("column " + j + " has " + count[j] + " entries but column 0 has " + per
                        + ": not column-sparse with a fixed count");
            }
        }
        final int[] rows = new int[numCols * per];
        final float[] vals = new float[numCols * per];
        final int[] fill = new int[numCols];
        for (int i = 0; i < numRows; i++) { // rows in increasing order keep each column's rows sorted
            for (int p = rowPointers[i]; p < rowPointers[i + 1]; p++) {
                final int j = columnIndices[p];
                final int t = j * per + fill[j]++;
                rows[t] = i;
                vals[t] = values[p];
            }
        }
        return new ColumnSparseMatrix(numRows, numCols, per, rows, vals);
    }

    public FMatrixRMaj toDense() {
        final FMatrixRMaj out = new FMatrixRMaj(numRows, numCols);
        for (int i = 0; i < numRows; i++) {
            for (int p = rowPointers[i]; p < rowPointers[i + 1]; p++) out.data[i * numCols + columnIndices[p]] = values[p];
        }
        return out;
    }

    /** EJML compressed-sparse-column copy (double values). */
    public DMatrixSparseCSC toCsc() {
        final DMatrixSparseCSC out = new DMatrixSparseCSC(numRows, numCols, values.length);
        final int[] count = new int[numCols + 1];
        for (int c : columnIndices) count[c + 1]++;
        for (int j = 0; j < numCols; j++) count[j + 1] += count[j];
        System.arraycopy(count, 0, out.col_idx, 0, numCols + 1);
        final int[] fill = java.util.Arrays.copyOf(count, numCols);
        for (int i = 0; i < numRows; i++) {
            for (int p = rowPointers[i]; p < rowPointers[i + 1]; p++) {
                final int q = fill[columnIndices[p]]++;
                out.nz_rows[q] = i;
                out.nz_values[q] = values[p];
            }
        }
        out.nz_length = values.length;
        out.indicesSorted = true;
        return out;
    }

    /** From an EJML CSC matrix (values rounded to float). */
    public static CsrMatrix fromCsc(DMatrixSparseCSC csc) {
        final int m = csc.numRows, n = csc.numCols, nnz = csc.nz_length;
        final int[] ptr = new int[m + 1];
        for (int q = 0; q < nnz; q++) ptr[csc.nz_rows[q] + 1]++;
        for (int i = 0; i < m; i++) ptr[i + 1] += ptr[i];
        final int[] fill = java.util.Arrays.copyOf(ptr, m);
        final int[] cols = new int[nnz];
        final float[] vals = new float[nnz];
        for (int j = 0; j < n; j++) {
            for (int q = csc.col_idx[j]; q < csc.col_idx[j + 1]; q++) {
                final int p = fill[csc.nz_rows[q]]++;
                cols[p] = j;
                vals[p] = (float) csc.nz_values[q];
            }
        }
        return new CsrMatrix(m, n, ptr, cols, vals);
    }

    @Override
    public String toString() {
        return "CsrMatrix[" + numRows + "x" + numCols + ", nnz=" + values.length + "]";
    }
}
