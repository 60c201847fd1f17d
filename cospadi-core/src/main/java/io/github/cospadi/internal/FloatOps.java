package io.github.cospadi.internal;

/**
 * The float kernels every hot loop goes through. Two implementations: {@link ScalarFloatOps} (always
 * available, the oracle in tests) and a Vector API twin ({@code PanamaFloatOps}) used when the
 * {@code jdk.incubator.vector} module is present (run with {@code --add-modules jdk.incubator.vector}).
 * Choose with {@link #get()}; the system property {@code cospadi.simd=scalar|vector} overrides.
 *
 * <p>All methods take flat arrays with offsets and do no argument checks (callers check at the door).
 */
public interface FloatOps {

    /** Σ_{i<n} a[aOff+i]·b[bOff+i], accumulated in float. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * out[outOff+i] = Σ_{j<n} a[aOff + i·stride + j]·x[xOff+j] for i < rows: a GEMV over row-major rows. The vector twin
     * streams four rows against one load of x (measured 35–38 GB/s against 20–26 for one row at a time, since x is
     * re-read from L1/L2 a quarter as often).
     */
    void dotRows(float[] a, int aOff, int stride, int rows, float[] x, int xOff, int n, float[] out, int outOff);

    /** y[yOff+i] += alpha·x[xOff+i] for i < n. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** Σ_{i<n} a[aOff+i]·b[bOff+i] with double inputs. */
    double dot(double[] a, int aOff, double[] b, int bOff, int n);

    /** y[yOff+i] += alpha·x[xOff+i] for double arrays. */
    void axpy(double alpha, double[] x, int xOff, double[] y, int yOff, int n);

    /**
     * The fused step of the Householder tridiagonalization ({@link SymmetricEigen}): a[aOff+i] −= alpha·x[off+i] +
     * beta·y[off+i] for i &lt; n (a symmetric rank-2 update of one row), then returns Σ a[aOff+i]·u[off+i] over the
     * updated row, in one pass instead of three.
     */
    double rank2UpdateDot(double[] a, int aOff, double alpha, double[] x, double beta, double[] y, double[] u, int off, int n);

    /**
     * y[i] −= Σ_{l<rows} x[l]·a[l·cols + i] for i < cols: y −= Aᵀx for a row-major A (rows × cols). The panel GEMV of
     * Batch-OMP: each row of A is streamed once and y stays in registers.
     */
    default void subtractTransposedProduct(float[] a, int rows, int cols, float[] x, float[] y) {
        subtractTransposedProduct(a, 0, rows, cols, cols, x, 0, y);
    }

    /**
     * As above for the panel starting at {@code a[aOff]} whose rows are {@code stride} apart (only their first
     * {@code cols} entries are read), and the coefficients starting at {@code x[xOff]}.
     */
    void subtractTransposedProduct(float[] a, int aOff, int rows, int stride, int cols, float[] x, int xOff, float[] y);

    /**
     * Rows [iFrom, iTo) of C = Aᵀ·B, given Aᵀ row-major as {@code at} (k × m) and B row-major (m × n); C is k × n
     * row-major and is overwritten. Each element is accumulated in float in the order r = 0..m−1, so the result does not
     * depend on how rows are split between threads.
     */
    void gemmTransposedA(float[] at, int m, float[] b, int n, float[] c, int iFrom, int iTo);

    /**
     * C −= A·B in double for row-major blocks: C (rows × cols at c[cOff], leading dimension ldc), A (rows × depth at
     * a[aOff], lda), B (depth × cols at b[bOff], ldb). Each element is accumulated over r = 0..depth−1 in order, so the
     * result does not depend on how rows are split. The trailing update of the blocked Cholesky.
     */
    void subtractProduct(double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double[] c, int cOff, int ldc,
                         int rows, int cols, int depth);

    /**
     * Rows [iFrom, iTo) of the lower triangle of G += XᵀX in double (a symmetric rank-k update), for X row-major
     * (tokens × d) at x[0] and G row-major (d × d) at g[0]: for every i in [iFrom, iTo) and j ≤ i,
     * g[i·d + j] ← fma(x[t·d + i], x[t·d + j], g[i·d + j]) for t = 0, 1, …, tokens−1 in that order. Each entry is one
     * fused multiply-add chain over the tokens starting from its current value, so every implementation gives the same
     * bits however rows are split between calls or threads and however the tokens are cut into consecutive calls.
     * Entries above the diagonal and rows outside [iFrom, iTo) are not touched.
     */
    void syrkLower(double[] x, int tokens, int d, double[] g, int iFrom, int iTo);

    /** Σ_{t<n} u[uOff + idx[off+t]]·val[off+t]: the gather step of a column-sparse product (u stays in L1). */
    float gatherDot(float[] u, int uOff, int[] idx, float[] val, int off, int n);

    /** Columns per tile of {@link #int8TileProduct}: 4 registers of 16 floats, 8 of 8. */
    int INT8_TILE = 64;

    /**
     * One tile of an int8 code product: y[yOff+l] = scale[scaleOff+l] · Σ_{a<k} u[uOff+a]·q[qOff + a·64 + l] for
     * l < 64, where the tile stores the 64 columns' entries of atom a contiguously. Each sum is one fma chain over
     * a = 0..k−1 in order, so every implementation gives the same bits.
     */
    void int8TileProduct(float[] u, int uOff, byte[] q, int qOff, int k, float[] scale, int scaleOff, float[] y, int yOff);

    /**
     * {@link #int8TileProduct} for four inputs at once, u rows at {@code uOff + r·uStride} and outputs at
     * {@code yOff + r·yStride} (r < 4): each tile byte is converted once for four rows. The same bits as four calls.
     */
    default void int8TileProduct4(float[] u, int uOff, int uStride, byte[] q, int qOff, int k, float[] scale, int scaleOff,
                                  float[] y, int yOff, int yStride) {
        for (int r = 0; r < 4; r++) int8TileProduct(u, uOff + r * uStride, q, qOff, k, scale, scaleOff, y, yOff + r * yStride);
    }

    /** dst[i] = src[off + idx[i]] for i < n. */
    void gather(float[] src, int off, int[] idx, float[] dst, int n);

    /** The first index of the largest |a[i]| for i < n (n ≥ 1); NaN-free input. */
    int argMaxAbs(float[] a, int n);

    /** Floats per vector register (1 for the scalar implementation). */
    int lanes();

    /** "scalar" or "vector-&lt;bits&gt;". */
    String name();

    /** The implementation chosen for this JVM. */
    static FloatOps get() {
        return FloatOpsProvider.INSTANCE;
    }

    /** The scalar implementation (reference for tests). */
    static FloatOps scalar() {
        return ScalarFloatOps.INSTANCE;
    }
}
