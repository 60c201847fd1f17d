package io.github.cospadi.internal;

/** Plain-Java {@link FloatOps}: correct on every JVM, the oracle for the vector twin. */
final class ScalarFloatOps implements FloatOps {
    static final ScalarFloatOps INSTANCE = new ScalarFloatOps();

    private ScalarFloatOps() {}

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        // four accumulators: C2 does not reassociate one float sum
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i];
            s1 += a[aOff + i + 1] * b[bOff + i + 1];
            s2 += a[aOff + i + 2] * b[bOff + i + 2];
            s3 += a[aOff + i + 3] * b[bOff + i + 3];
        }
        for (; i < n; i++) s0 += a[aOff + i] * b[bOff + i];
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public double dot(double[] a, int aOff, double[] b, int bOff, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i];
            s1 += a[aOff + i + 1] * b[bOff + i + 1];
            s2 += a[aOff + i + 2] * b[bOff + i + 2];
            s3 += a[aOff + i + 3] * b[bOff + i + 3];
        }
        for (; i < n; i++) s0 += a[aOff + i] * b[bOff + i];
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void axpy(double alpha, double[] x, int xOff, double[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public double rank2UpdateDot(double[] a, int aOff, double alpha, double[] x, double beta, double[] y, double[] u, int off, int n) {
        for (int i = 0; i < n; i++) a[aOff + i] -= alpha * x[off + i] + beta * y[off + i];
        return dot(a, aOff, u, off, n);
    }

    @Override
    public void subtractTransposedProduct(float[] a, int aOff, int rows, int stride, int cols, float[] x, int xOff, float[] y) {
        for (int l = 0; l < rows; l++) {
            final float xl = x[xOff + l];
            final int row = aOff + l * stride;
            for (int i = 0; i < cols; i++) y[i] -= xl * a[row + i];
        }
    }

    @Override
    public void subtractProduct(double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double[] c, int cOff, int ldc,
                                int rows, int cols, int depth) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double acc = 0;
                for (int r = 0; r < depth; r++) acc += a[aOff + i * lda + r] * b[bOff + r * ldb + j];
                c[cOff + i * ldc + j] -= acc;
            }
        }
    }

    @Override
    public void gemmTransposedA(float[] at, int m, float[] b, int n, float[] c, int iFrom, int iTo) {
        for (int i = iFrom; i < iTo; i++) {
            final int crow = i * n, arow = i * m;
            java.util.Arrays.fill(c, crow, crow + n, 0f);
            for (int r = 0; r < m; r++) {
                final float a = at[arow + r];
                final int brow = r * n;
                for (int j = 0; j < n; j++) c[crow + j] += a * b[brow + j];
            }
        }
    }

    @Override
    public void syrkLower(double[] x, int tokens, int d, double[] g, int iFrom, int iTo) {
        // row i of G stays in L1 while all tokens pass over it; per entry the chain runs over t in order
        for (int i = iFrom; i < iTo; i++) {
            final int row = i * d;
            for (int t = 0, xt = 0; t < tokens; t++, xt += d) {
                final double xi = x[xt + i];
                for (int j = 0; j <= i; j++) g[row + j] = Math.fma(xi, x[xt + j], g[row + j]);
            }
        }
    }

    @Override
    public float gatherDot(float[] u, int uOff, int[] idx, float[] val, int off, int n) {
        float s0 = 0, s1 = 0;
        int t = 0;
        for (; t + 1 < n; t += 2) {
            s0 += u[uOff + idx[off + t]] * val[off + t];
            s1 += u[uOff + idx[off + t + 1]] * val[off + t + 1];
        }
        if (t < n) s0 += u[uOff + idx[off + t]] * val[off + t];
        return s0 + s1;
    }

    @Override
    public void int8TileProduct(float[] u, int uOff, byte[] q, int qOff, int k, float[] scale, int scaleOff, float[] y, int yOff) {
        final float[] acc = new float[INT8_TILE];
        for (int a = 0, o = qOff; a < k; a++, o += INT8_TILE) {
            final float ua = u[uOff + a];
            for (int l = 0; l < INT8_TILE; l++) acc[l] = Math.fma(q[o + l], ua, acc[l]);
        }
        for (int l = 0; l < INT8_TILE; l++) y[yOff + l] = acc[l] * scale[scaleOff + l];
    }

    @Override
    public void dotRows(float[] a, int aOff, int stride, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        for (int i = 0; i < rows; i++) out[outOff + i] = dot(a, aOff + i * stride, x, xOff, n);
    }

    @Override
    public void gather(float[] src, int off, int[] idx, float[] dst, int n) {
        for (int i = 0; i < n; i++) dst[i] = src[off + idx[i]];
    }

    @Override
    public int argMaxAbs(float[] a, int n) {
        int best = 0;
        float bestAbs = Math.abs(a[0]);
        for (int i = 1; i < n; i++) {
            final float v = Math.abs(a[i]);
            if (v > bestAbs) {
                bestAbs = v;
                best = i;
            }
        }
        return best;
    }

    @Override
    public int lanes() {
        return 1;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
