package io.github.cospadi.internal;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link ScalarFloatOps}. Loaded only by {@link FloatOpsProvider} after it has checked that
 * {@code jdk.incubator.vector} is readable, so the rest of the library never links against the incubator module.
 */
final class PanamaFloatOps implements FloatOps {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128, B8 = ByteVector.SPECIES_64;

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        final int step = F.length();
        int i = 0;
        for (final int bound = n - 2 * step; i <= bound; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + step).fma(FloatVector.fromArray(F, b, bOff + i + step), acc1);
        }
        for (final int bound = F.loopBound(n); i < bound; i += step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i]; // tail
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        final FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (final int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public double dot(double[] a, int aOff, double[] b, int bOff, int n) {
        DoubleVector acc0 = DoubleVector.zero(D), acc1 = DoubleVector.zero(D);
        final int step = D.length();
        int i = 0;
        for (final int bound = n - 2 * step; i <= bound; i += 2 * step) {
            acc0 = DoubleVector.fromArray(D, a, aOff + i).fma(DoubleVector.fromArray(D, b, bOff + i), acc0);
            acc1 = DoubleVector.fromArray(D, a, aOff + i + step).fma(DoubleVector.fromArray(D, b, bOff + i + step), acc1);
        }
        for (final int bound = D.loopBound(n); i < bound; i += step) {
            acc0 = DoubleVector.fromArray(D, a, aOff + i).fma(DoubleVector.fromArray(D, b, bOff + i), acc0);
        }
        double sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    @Override
    public void axpy(double alpha, double[] x, int xOff, double[] y, int yOff, int n) {
        final DoubleVector va = DoubleVector.broadcast(D, alpha);
        int i = 0;
        for (final int bound = D.loopBound(n); i < bound; i += D.length()) {
            DoubleVector.fromArray(D, x, xOff + i).fma(va, DoubleVector.fromArray(D, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public double rank2UpdateDot(double[] a, int aOff, double alpha, double[] x, double beta, double[] y, double[] u, int off, int n) {
        final DoubleVector va = DoubleVector.broadcast(D, -alpha), vb = DoubleVector.broadcast(D, -beta);
        DoubleVector acc = DoubleVector.zero(D);
        int i = 0;
        for (final int bound = D.loopBound(n); i < bound; i += D.length()) {
            final DoubleVector row = DoubleVector.fromArray(D, x, off + i).fma(va, DoubleVector.fromArray(D, a, aOff + i))
                    .add(DoubleVector.fromArray(D, y, off + i).mul(vb));
            row.intoArray(a, aOff + i);
            acc = row.fma(DoubleVector.fromArray(D, u, off + i), acc);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            final double v = a[aOff + i] - (alpha * x[off + i] + beta * y[off + i]);
            a[aOff + i] = v;
            sum += v * u[off + i];
        }
        return sum;
    }

    @Override
    public void subtractTransposedProduct(float[] a, int aOff, int rows, int stride, int cols, float[] x, int xOff, float[] y) {
        // rows of A are streamed contiguously, four at a time: y −= x0·a0 + x1·a1 + x2·a2 + x3·a3 per pass, so y is
        // loaded and stored once per four rows (measured faster than keeping y in registers and striding over rows)
        final int step = F.length(), bound = F.loopBound(cols);
        int l = 0;
        for (; l + 8 <= rows; l += 8) {
            final int r0 = aOff + l * stride;
            final FloatVector v0 = FloatVector.broadcast(F, -x[xOff + l]), v1 = FloatVector.broadcast(F, -x[xOff + l + 1]);
            final FloatVector v2 = FloatVector.broadcast(F, -x[xOff + l + 2]), v3 = FloatVector.broadcast(F, -x[xOff + l + 3]);
            final FloatVector v4 = FloatVector.broadcast(F, -x[xOff + l + 4]), v5 = FloatVector.broadcast(F, -x[xOff + l + 5]);
            final FloatVector v6 = FloatVector.broadcast(F, -x[xOff + l + 6]), v7 = FloatVector.broadcast(F, -x[xOff + l + 7]);
            int i = 0;
            for (; i < bound; i += step) {
                FloatVector acc = FloatVector.fromArray(F, y, i);
                int r = r0 + i;
                acc = FloatVector.fromArray(F, a, r).fma(v0, acc);
                acc = FloatVector.fromArray(F, a, r += stride).fma(v1, acc);
                acc = FloatVector.fromArray(F, a, r += stride).fma(v2, acc);
                acc = FloatVector.fromArray(F, a, r += stride).fma(v3, acc);
                acc = FloatVector.fromArray(F, a, r += stride).fma(v4, acc);
                acc = FloatVector.fromArray(F, a, r += stride).fma(v5, acc);
                acc = FloatVector.fromArray(F, a, r += stride).fma(v6, acc);
                acc = FloatVector.fromArray(F, a, r + stride).fma(v7, acc);
                acc.intoArray(y, i);
            }
            for (; i < cols; i++) {
                float acc = y[i];
                for (int q = 0; q < 8; q++) acc -= x[xOff + l + q] * a[r0 + q * stride + i];
                y[i] = acc;
            }
        }
        for (; l + 4 <= rows; l += 4) {
            final int r0 = aOff + l * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
            final float s0 = -x[xOff + l], s1 = -x[xOff + l + 1], s2 = -x[xOff + l + 2], s3 = -x[xOff + l + 3];
            final FloatVector v0 = FloatVector.broadcast(F, s0), v1 = FloatVector.broadcast(F, s1);
            final FloatVector v2 = FloatVector.broadcast(F, s2), v3 = FloatVector.broadcast(F, s3);
            int i = 0;
            for (; i < bound; i += step) {
                FloatVector acc = FloatVector.fromArray(F, y, i);
                acc = FloatVector.fromArray(F, a, r0 + i).fma(v0, acc);
                acc = FloatVector.fromArray(F, a, r1 + i).fma(v1, acc);
                acc = FloatVector.fromArray(F, a, r2 + i).fma(v2, acc);
                acc = FloatVector.fromArray(F, a, r3 + i).fma(v3, acc);
                acc.intoArray(y, i);
            }
            for (; i < cols; i++) y[i] += s0 * a[r0 + i] + s1 * a[r1 + i] + s2 * a[r2 + i] + s3 * a[r3 + i]; // tail
        }
        for (; l < rows; l++) { // remaining rows
            final int r0 = aOff + l * stride;
            final float s0 = -x[xOff + l];
            final FloatVector v0 = FloatVector.broadcast(F, s0);
            int i = 0;
            for (; i < bound; i += step) FloatVector.fromArray(F, a, r0 + i).fma(v0, FloatVector.fromArray(F, y, i)).intoArray(y, i);
            for (; i < cols; i++) y[i] += s0 * a[r0 + i];
        }
    }

    @Override
    public void subtractProduct(double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double[] c, int cOff, int ldc,
                                int rows, int cols, int depth) {
        final int step = D.length(), width = 2 * step;
        // with 8 or more rows the panel of B (depth × 2 vectors, rows ldb apart: one page per row for wide B, a TLB
        // miss per load) is first copied contiguously and then read by every row tile from there; the fma chains are
        // the same, so are the bits
        final boolean pack = rows >= 8 && ldb != width;
        final double[] packed = pack ? packDoubles(depth * width) : null;
        int j0 = 0;
        for (; j0 + width <= cols; j0 += width) { // 4 rows × 2 vectors in registers
            final double[] pb;
            final int pOff, pld;
            if (pack) {
                for (int r = 0, src = bOff + j0, dst = 0; r < depth; r++, src += ldb, dst += width) System.arraycopy(b, src, packed, dst, width);
                pb = packed;
                pOff = 0;
                pld = width;
            } else {
                pb = b;
                pOff = bOff + j0;
                pld = ldb;
            }
            int i = 0;
            for (; i + 4 <= rows; i += 4) {
                DoubleVector c00 = DoubleVector.zero(D), c01 = DoubleVector.zero(D), c10 = DoubleVector.zero(D), c11 = DoubleVector.zero(D);
                DoubleVector c20 = DoubleVector.zero(D), c21 = DoubleVector.zero(D), c30 = DoubleVector.zero(D), c31 = DoubleVector.zero(D);
                final int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
                for (int r = 0, brow = pOff; r < depth; r++, brow += pld) {
                    final DoubleVector b0 = DoubleVector.fromArray(D, pb, brow), b1 = DoubleVector.fromArray(D, pb, brow + step);
                    DoubleVector x = DoubleVector.broadcast(D, a[a0 + r]);
                    c00 = b0.fma(x, c00);
                    c01 = b1.fma(x, c01);
                    x = DoubleVector.broadcast(D, a[a1 + r]);
                    c10 = b0.fma(x, c10);
                    c11 = b1.fma(x, c11);
                    x = DoubleVector.broadcast(D, a[a2 + r]);
                    c20 = b0.fma(x, c20);
                    c21 = b1.fma(x, c21);
                    x = DoubleVector.broadcast(D, a[a3 + r]);
                    c30 = b0.fma(x, c30);
                    c31 = b1.fma(x, c31);
                }
                subtractInto(c, cOff + i * ldc + j0, c00, c01, step);
                subtractInto(c, cOff + (i + 1) * ldc + j0, c10, c11, step);
                subtractInto(c, cOff + (i + 2) * ldc + j0, c20, c21, step);
                subtractInto(c, cOff + (i + 3) * ldc + j0, c30, c31, step);
            }
            for (; i < rows; i++) {
                DoubleVector c0 = DoubleVector.zero(D), c1 = DoubleVector.zero(D);
                final int a0 = aOff + i * lda;
                for (int r = 0, brow = pOff; r < depth; r++, brow += pld) {
                    final DoubleVector x = DoubleVector.broadcast(D, a[a0 + r]);
                    c0 = DoubleVector.fromArray(D, pb, brow).fma(x, c0);
                    c1 = DoubleVector.fromArray(D, pb, brow + step).fma(x, c1);
                }
                subtractInto(c, cOff + i * ldc + j0, c0, c1, step);
            }
        }
        for (; j0 + step <= cols; j0 += step) { // one vector of columns
            for (int i = 0; i < rows; i++) {
                DoubleVector c0 = DoubleVector.zero(D);
                final int a0 = aOff + i * lda;
                for (int r = 0, brow = bOff + j0; r < depth; r++, brow += ldb) {
                    c0 = DoubleVector.fromArray(D, b, brow).fma(DoubleVector.broadcast(D, a[a0 + r]), c0);
                }
                final int o = cOff + i * ldc + j0;
                DoubleVector.fromArray(D, c, o).sub(c0).intoArray(c, o);
            }
        }
        for (int i = 0; i < rows && j0 < cols; i++) { // tail columns, scalar, same summation order
            for (int j = j0; j < cols; j++) {
                double acc = 0;
                for (int r = 0; r < depth; r++) acc += a[aOff + i * lda + r] * b[bOff + r * ldb + j];
                c[cOff + i * ldc + j] -= acc;
            }
        }
    }

    private static void subtractInto(double[] c, int o, DoubleVector v0, DoubleVector v1, int step) {
        DoubleVector.fromArray(D, c, o).sub(v0).intoArray(c, o);
        DoubleVector.fromArray(D, c, o + step).sub(v1).intoArray(c, o + step);
    }

    @Override
    public void gemmTransposedA(float[] at, int m, float[] b, int n, float[] c, int iFrom, int iTo) {
        final int step = F.length(), width = 2 * step;
        // column panels of B (m × 2 vectors) are packed contiguously (B's rows are n floats apart: one page per row
        // of the panel, which cost TLB misses on every load) and stay in L2 while all rows of C in [iFrom, iTo) pass
        // over them; an 8 × 2-vector (or, with fewer than 32 registers' worth of lanes, 4 × 2) tile of C lives in
        // registers
        final float[] packed = packBuffer(m * width);
        int j0 = 0;
        for (; j0 + width <= n; j0 += width) {
            for (int r = 0, src = j0, dst = 0; r < m; r++, src += n, dst += width) System.arraycopy(b, src, packed, dst, width);
            int i = iFrom;
            if (step >= 16) {
                for (; i + 8 <= iTo; i += 8) tile8x2(at, m, packed, c, n, i, j0);
            }
            for (; i + 4 <= iTo; i += 4) {
                FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
                FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
                final int a0 = i * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m;
                for (int r = 0, brow = 0; r < m; r++, brow += width) {
                    final FloatVector b0 = FloatVector.fromArray(F, packed, brow), b1 = FloatVector.fromArray(F, packed, brow + step);
                    FloatVector a = FloatVector.broadcast(F, at[a0 + r]);
                    c00 = b0.fma(a, c00);
                    c01 = b1.fma(a, c01);
                    a = FloatVector.broadcast(F, at[a1 + r]);
                    c10 = b0.fma(a, c10);
                    c11 = b1.fma(a, c11);
                    a = FloatVector.broadcast(F, at[a2 + r]);
                    c20 = b0.fma(a, c20);
                    c21 = b1.fma(a, c21);
                    a = FloatVector.broadcast(F, at[a3 + r]);
                    c30 = b0.fma(a, c30);
                    c31 = b1.fma(a, c31);
                }
                c00.intoArray(c, i * n + j0);
                c01.intoArray(c, i * n + j0 + step);
                c10.intoArray(c, (i + 1) * n + j0);
                c11.intoArray(c, (i + 1) * n + j0 + step);
                c20.intoArray(c, (i + 2) * n + j0);
                c21.intoArray(c, (i + 2) * n + j0 + step);
                c30.intoArray(c, (i + 3) * n + j0);
                c31.intoArray(c, (i + 3) * n + j0 + step);
            }
            for (; i < iTo; i++) { // remaining rows, one at a time
                FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
                for (int r = 0, brow = 0; r < m; r++, brow += width) {
                    final FloatVector a = FloatVector.broadcast(F, at[i * m + r]);
                    c0 = FloatVector.fromArray(F, packed, brow).fma(a, c0);
                    c1 = FloatVector.fromArray(F, packed, brow + step).fma(a, c1);
                }
                c0.intoArray(c, i * n + j0);
                c1.intoArray(c, i * n + j0 + step);
            }
        }
        for (; j0 + step <= n; j0 += step) { // one remaining vector of columns: a 4 × 1-vector tile
            int i = iFrom;
            for (; i + 4 <= iTo; i += 4) {
                FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
                final int a0 = i * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m;
                for (int r = 0, brow = j0; r < m; r++, brow += n) {
                    final FloatVector b0 = FloatVector.fromArray(F, b, brow);
                    c0 = b0.fma(FloatVector.broadcast(F, at[a0 + r]), c0);
                    c1 = b0.fma(FloatVector.broadcast(F, at[a1 + r]), c1);
                    c2 = b0.fma(FloatVector.broadcast(F, at[a2 + r]), c2);
                    c3 = b0.fma(FloatVector.broadcast(F, at[a3 + r]), c3);
                }
                c0.intoArray(c, i * n + j0);
                c1.intoArray(c, (i + 1) * n + j0);
                c2.intoArray(c, (i + 2) * n + j0);
                c3.intoArray(c, (i + 3) * n + j0);
            }
            for (; i < iTo; i++) {
                FloatVector c0 = FloatVector.zero(F);
                for (int r = 0, brow = j0; r < m; r++, brow += n) {
                    c0 = FloatVector.fromArray(F, b, brow).fma(FloatVector.broadcast(F, at[i * m + r]), c0);
                }
                c0.intoArray(c, i * n + j0);
            }
        }
        if (j0 < n) {
            // tail columns (fewer than one vector): a zero-padded panel through the same fma chains, written through a
            // scratch tile (a scalar tail cost as much as all vector columns together at n = 460)
            final int rem = n - j0;
            for (int r = 0, src = j0, dst = 0; r < m; r++, src += n, dst += width) {
                System.arraycopy(b, src, packed, dst, rem);
                java.util.Arrays.fill(packed, dst + rem, dst + width, 0f);
            }
            final float[] tile = new float[8 * width];
            int i = iFrom;
            if (step >= 16) {
                for (; i + 8 <= iTo; i += 8) {
                    tile8x2At(at, m, packed, tile, width, i, 0);
                    for (int q = 0; q < 8; q++) System.arraycopy(tile, q * width, c, (i + q) * n + j0, rem);
                }
            }
            for (; i < iTo; i++) {
                FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
                for (int r = 0, brow = 0; r < m; r++, brow += width) {
                    final FloatVector a = FloatVector.broadcast(F, at[i * m + r]);
                    c0 = FloatVector.fromArray(F, packed, brow).fma(a, c0);
                    c1 = FloatVector.fromArray(F, packed, brow + step).fma(a, c1);
                }
                c0.intoArray(tile, 0);
                c1.intoArray(tile, step);
                System.arraycopy(tile, 0, c, i * n + j0, rem);
            }
        }
    }

    /** Rows i..i+7 of C over the packed panel (m × 2 vectors) at columns j0..: 16 accumulators. */
    private static void tile8x2(float[] at, int m, float[] packed, float[] c, int n, int i, int j0) {
        tile8x2At(at, m, packed, c, n, i, i * n + j0);
    }

    /** As above with row i's outputs at c[cOff], rows ldc apart. */
    private static void tile8x2At(float[] at, int m, float[] packed, float[] c, int ldc, int i, int cOff) {
        final int n = ldc;
        final int step = F.length(), width = 2 * step;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        final int a0 = i * m;
        for (int r = 0, brow = 0; r < m; r++, brow += width) {
            final FloatVector b0 = FloatVector.fromArray(F, packed, brow), b1 = FloatVector.fromArray(F, packed, brow + step);
            int ar = a0 + r;
            FloatVector a = FloatVector.broadcast(F, at[ar]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(F, at[ar += m]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(F, at[ar += m]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(F, at[ar += m]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(F, at[ar += m]);
            c40 = b0.fma(a, c40);
            c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(F, at[ar += m]);
            c50 = b0.fma(a, c50);
            c51 = b1.fma(a, c51);
            a = FloatVector.broadcast(F, at[ar += m]);
            c60 = b0.fma(a, c60);
            c61 = b1.fma(a, c61);
            a = FloatVector.broadcast(F, at[ar + m]);
            c70 = b0.fma(a, c70);
            c71 = b1.fma(a, c71);
        }
        int o = cOff;
        c00.intoArray(c, o); c01.intoArray(c, o + step); o += n;
        c10.intoArray(c, o); c11.intoArray(c, o + step); o += n;
        c20.intoArray(c, o); c21.intoArray(c, o + step); o += n;
        c30.intoArray(c, o); c31.intoArray(c, o + step); o += n;
        c40.intoArray(c, o); c41.intoArray(c, o + step); o += n;
        c50.intoArray(c, o); c51.intoArray(c, o + step); o += n;
        c60.intoArray(c, o); c61.intoArray(c, o + step); o += n;
        c70.intoArray(c, o); c71.intoArray(c, o + step);
    }

    private static final ThreadLocal<float[][]> PACK = ThreadLocal.withInitial(() -> new float[1][0]);

    /** A per-thread scratch array of at least {@code size} floats (reused: the GEMM packs into it, nothing escapes). */
    private static float[] packBuffer(int size) {
        final float[][] holder = PACK.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    /**
     * Tokens per packed block of {@link #syrkLower}: each entry of G is loaded and stored once per block (measured on
     * AVX-512: 64 tokens were 20 % slower at d = 1536, 256 no faster than 128).
     */
    static final int SYRK_TOKENS = 128;
    /**
     * Rows of G per pass over the column panels: their packed entries (128 tokens × 64 rows, 64 KiB) stay in L1/L2
     * while the panels stream past (measured 10–20 % faster at d = 1536 than one pass over all rows; 32 to 96 alike).
     */
    static final int SYRK_ROW_CHUNK = 64;
    /** Rows per register tile of {@link #syrkLower}: 8 × 2 vectors with 32 vector registers of 8 doubles, else 4 × 2. */
    private static final int SYRK_ROWS = D.length() >= 8 ? 8 : 4;

    @Override
    public void syrkLower(double[] x, int tokens, int d, double[] g, int iFrom, int iTo) {
        if (iFrom >= iTo) return;
        // A block of k tokens is packed into column panels of w = 2 vectors: panel p holds columns [p·w, p·w + w) of
        // the k rows contiguously (k × w, zero beyond column iTo), so both the panel's two vectors and the broadcast
        // x[t, i] are read at unit stride over t. For each chunk of rows and each panel left of the chunk's last row,
        // register tiles of SYRK_ROWS rows × w columns of G run the fma chains over the block's tokens; tiles that
        // cross the diagonal go through a scratch tile and only their entries j ≤ i are written back.
        final int step = D.length(), w = 2 * step, rows = SYRK_ROWS;
        final int panels = (iTo + w - 1) / w;
        final double[] scratch = new double[rows * w];
        for (int t0 = 0; t0 < tokens; t0 += SYRK_TOKENS) {
            final int k = Math.min(SYRK_TOKENS, tokens - t0), panelSize = k * w;
            final double[] packed = packDoubles(panels * panelSize);
            packPanels(x, t0, k, d, iTo, packed);
            for (int i0 = iFrom; i0 < iTo; i0 += SYRK_ROW_CHUNK) {
                final int i1 = Math.min(iTo, i0 + SYRK_ROW_CHUNK);
                for (int j0 = 0, b = 0; j0 < i1; j0 += w, b += panelSize) {
                    int i = Math.max(i0, j0);
                    for (; i + rows <= i1; i += rows) {
                        if (i >= j0 + w - 1) {
                            syrkTile(rows, packed, b, k, panelSize, i, g, i * d + j0, d);
                        } else {
                            for (int r = 0; r < rows; r++) {
                                for (int l = 0; l < w; l++) scratch[r * w + l] = j0 + l <= i + r ? g[(i + r) * d + j0 + l] : 0;
                            }
                            syrkTile(rows, packed, b, k, panelSize, i, scratch, 0, w);
                            for (int r = 0; r < rows; r++) {
                                for (int l = 0; l < w && j0 + l <= i + r; l++) g[(i + r) * d + j0 + l] = scratch[r * w + l];
                            }
                        }
                    }
                    for (; i < i1; i++) { // remaining rows, one at a time
                        if (i >= j0 + w - 1) {
                            syrkRow(packed, b, k, panelSize, i, g, i * d + j0);
                        } else {
                            for (int l = 0; l < w; l++) scratch[l] = j0 + l <= i ? g[i * d + j0 + l] : 0;
                            syrkRow(packed, b, k, panelSize, i, scratch, 0);
                            for (int l = 0; l < w && j0 + l <= i; l++) g[i * d + j0 + l] = scratch[l];
                        }
                    }
                }
            }
        }
    }

    /** packed[p·k·w + t·w + l] = x[(t0 + t)·d + p·w + l] for columns p·w + l below {@code cols}, else 0. */
    private static void packPanels(double[] x, int t0, int k, int d, int cols, double[] packed) {
        final int step = D.length(), w = 2 * step, full = cols / w, panelSize = k * w;
        for (int t = 0; t < k; t++) {
            final int src = (t0 + t) * d;
            int p = 0;
            for (int dst = t * w; p < full; p++, dst += panelSize) {
                DoubleVector.fromArray(D, x, src + p * w).intoArray(packed, dst);
                DoubleVector.fromArray(D, x, src + p * w + step).intoArray(packed, dst + step);
            }
            if (p * w < cols) {
                final int dst = p * panelSize + t * w;
                for (int l = 0; l < w; l++) packed[dst + l] = p * w + l < cols ? x[src + p * w + l] : 0;
            }
        }
    }

    /** Where row i's entries x[t, i] start in the packed panels (then every w doubles). */
    private static int packedRow(int i, int w, int panelSize) {
        return (i / w) * panelSize + i % w;
    }

    private static void syrkTile(int rows, double[] pk, int bOff, int k, int panelSize, int i, double[] c, int cOff, int ldc) {
        if (rows == 8) {
            syrkTile8(pk, bOff, k, panelSize, i, c, cOff, ldc);
        } else {
            syrkTile4(pk, bOff, k, panelSize, i, c, cOff, ldc);
        }
    }

    /** Rows i..i+7 × one panel of G (at c[cOff], rows ldc apart) += the block's fma chains, 16 accumulators. */
    private static void syrkTile8(double[] pk, int bOff, int k, int panelSize, int i, double[] c, int cOff, int ldc) {
        final int step = D.length(), w = 2 * step;
        final int a0 = packedRow(i, w, panelSize), a1 = packedRow(i + 1, w, panelSize), a2 = packedRow(i + 2, w, panelSize);
        final int a3 = packedRow(i + 3, w, panelSize), a4 = packedRow(i + 4, w, panelSize), a5 = packedRow(i + 5, w, panelSize);
        final int a6 = packedRow(i + 6, w, panelSize), a7 = packedRow(i + 7, w, panelSize);
        int o = cOff;
        DoubleVector c00 = DoubleVector.fromArray(D, c, o), c01 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c10 = DoubleVector.fromArray(D, c, o), c11 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c20 = DoubleVector.fromArray(D, c, o), c21 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c30 = DoubleVector.fromArray(D, c, o), c31 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c40 = DoubleVector.fromArray(D, c, o), c41 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c50 = DoubleVector.fromArray(D, c, o), c51 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c60 = DoubleVector.fromArray(D, c, o), c61 = DoubleVector.fromArray(D, c, o + step);
        o += ldc;
        DoubleVector c70 = DoubleVector.fromArray(D, c, o), c71 = DoubleVector.fromArray(D, c, o + step);
        for (int at = 0, end = k * w; at < end; at += w) { // one induction variable: C2 then hoists every range check
            final DoubleVector b0 = DoubleVector.fromArray(D, pk, bOff + at), b1 = DoubleVector.fromArray(D, pk, bOff + at + step);
            DoubleVector a = DoubleVector.broadcast(D, pk[a0 + at]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = DoubleVector.broadcast(D, pk[a1 + at]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = DoubleVector.broadcast(D, pk[a2 + at]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = DoubleVector.broadcast(D, pk[a3 + at]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
            a = DoubleVector.broadcast(D, pk[a4 + at]);
            c40 = b0.fma(a, c40);
            c41 = b1.fma(a, c41);
            a = DoubleVector.broadcast(D, pk[a5 + at]);
            c50 = b0.fma(a, c50);
            c51 = b1.fma(a, c51);
            a = DoubleVector.broadcast(D, pk[a6 + at]);
            c60 = b0.fma(a, c60);
            c61 = b1.fma(a, c61);
            a = DoubleVector.broadcast(D, pk[a7 + at]);
            c70 = b0.fma(a, c70);
            c71 = b1.fma(a, c71);
        }
        o = cOff;
        c00.intoArray(c, o); c01.intoArray(c, o + step); o += ldc;
        c10.intoArray(c, o); c11.intoArray(c, o + step); o += ldc;
        c20.intoArray(c, o); c21.intoArray(c, o + step); o += ldc;
        c30.intoArray(c, o); c31.intoArray(c, o + step); o += ldc;
        c40.intoArray(c, o); c41.intoArray(c, o + step); o += ldc;
        c50.intoArray(c, o); c51.intoArray(c, o + step); o += ldc;
        c60.intoArray(c, o); c61.intoArray(c, o + step); o += ldc;
        c70.intoArray(c, o); c71.intoArray(c, o + step);
    }

    /** Rows i..i+3 × one panel: {@link #syrkTile8} for 16 vector registers. */
    private static void syrkTile4(double[] pk, int bOff, int k, int panelSize, int i, double[] c, int cOff, int ldc) {
        final int step = D.length(), w = 2 * step;
        final int a0 = packedRow(i, w, panelSize), a1 = packedRow(i + 1, w, panelSize);
        final int a2 = packedRow(i + 2, w, panelSize), a3 = packedRow(i + 3, w, panelSize);
        final int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
        DoubleVector c00 = DoubleVector.fromArray(D, c, o0), c01 = DoubleVector.fromArray(D, c, o0 + step);
        DoubleVector c10 = DoubleVector.fromArray(D, c, o1), c11 = DoubleVector.fromArray(D, c, o1 + step);
        DoubleVector c20 = DoubleVector.fromArray(D, c, o2), c21 = DoubleVector.fromArray(D, c, o2 + step);
        DoubleVector c30 = DoubleVector.fromArray(D, c, o3), c31 = DoubleVector.fromArray(D, c, o3 + step);
        for (int at = 0, end = k * w; at < end; at += w) { // one induction variable: C2 then hoists every range check
            final DoubleVector b0 = DoubleVector.fromArray(D, pk, bOff + at), b1 = DoubleVector.fromArray(D, pk, bOff + at + step);
            DoubleVector a = DoubleVector.broadcast(D, pk[a0 + at]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = DoubleVector.broadcast(D, pk[a1 + at]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = DoubleVector.broadcast(D, pk[a2 + at]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = DoubleVector.broadcast(D, pk[a3 + at]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + step);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + step);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + step);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + step);
    }

    /** Row i × one panel. */
    private static void syrkRow(double[] pk, int bOff, int k, int panelSize, int i, double[] c, int cOff) {
        final int step = D.length(), w = 2 * step, a0 = packedRow(i, w, panelSize);
        DoubleVector c0 = DoubleVector.fromArray(D, c, cOff), c1 = DoubleVector.fromArray(D, c, cOff + step);
        for (int at = 0, end = k * w; at < end; at += w) {
            final DoubleVector a = DoubleVector.broadcast(D, pk[a0 + at]);
            c0 = DoubleVector.fromArray(D, pk, bOff + at).fma(a, c0);
            c1 = DoubleVector.fromArray(D, pk, bOff + at + step).fma(a, c1);
        }
        c0.intoArray(c, cOff);
        c1.intoArray(c, cOff + step);
    }

    private static final ThreadLocal<double[][]> PACK_DOUBLES = ThreadLocal.withInitial(() -> new double[1][0]);

    /** A per-thread scratch array of at least {@code size} doubles (reused: the SYRK packs into it, nothing escapes). */
    private static double[] packDoubles(int size) {
        final double[][] holder = PACK_DOUBLES.get();
        if (holder[0].length < size) holder[0] = new double[size];
        return holder[0];
    }

    @Override
    public float gatherDot(float[] u, int uOff, int[] idx, float[] val, int off, int n) {
        FloatVector acc = FloatVector.zero(F);
        final int step = F.length();
        int t = 0;
        for (final int bound = F.loopBound(n); t < bound; t += step) {
            acc = FloatVector.fromArray(F, u, uOff, idx, off + t).fma(FloatVector.fromArray(F, val, off + t), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; t < n; t++) sum += u[uOff + idx[off + t]] * val[off + t]; // tail
        return sum;
    }

    @Override
    public void int8TileProduct(float[] u, int uOff, byte[] q, int qOff, int k, float[] scale, int scaleOff, float[] y, int yOff) {
        if (F.length() == 16) {
            int8Tile16(u, uOff, q, qOff, k, scale, scaleOff, y, yOff);
        } else if (F.length() == 8) {
            for (int half = 0; half < INT8_TILE; half += 32) int8Tile8x4(u, uOff, q, qOff + half, k, scale, scaleOff + half, y, yOff + half);
        } else {
            ScalarFloatOps.INSTANCE.int8TileProduct(u, uOff, q, qOff, k, scale, scaleOff, y, yOff);
        }
    }

    @Override
    public void int8TileProduct4(float[] u, int uOff, int uStride, byte[] q, int qOff, int k, float[] scale, int scaleOff,
                                 float[] y, int yOff, int yStride) {
        if (F.length() != 16) {
            FloatOps.super.int8TileProduct4(u, uOff, uStride, q, qOff, k, scale, scaleOff, y, yOff, yStride);
            return;
        }
        // 16 accumulators: 4 inputs x 64 columns; each atom's 64 bytes are converted once and used four times
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        final int u0 = uOff, u1 = u0 + uStride, u2 = u1 + uStride, u3 = u2 + uStride;
        for (int a = 0, o = qOff; a < k; a++, o += INT8_TILE) {
            final FloatVector q0 = bytesToFloats(B16, q, o), q1 = bytesToFloats(B16, q, o + 16);
            final FloatVector q2 = bytesToFloats(B16, q, o + 32), q3 = bytesToFloats(B16, q, o + 48);
            FloatVector b = FloatVector.broadcast(F, u[u0 + a]);
            a00 = q0.fma(b, a00); a01 = q1.fma(b, a01); a02 = q2.fma(b, a02); a03 = q3.fma(b, a03);
            b = FloatVector.broadcast(F, u[u1 + a]);
            a10 = q0.fma(b, a10); a11 = q1.fma(b, a11); a12 = q2.fma(b, a12); a13 = q3.fma(b, a13);
            b = FloatVector.broadcast(F, u[u2 + a]);
            a20 = q0.fma(b, a20); a21 = q1.fma(b, a21); a22 = q2.fma(b, a22); a23 = q3.fma(b, a23);
            b = FloatVector.broadcast(F, u[u3 + a]);
            a30 = q0.fma(b, a30); a31 = q1.fma(b, a31); a32 = q2.fma(b, a32); a33 = q3.fma(b, a33);
        }
        final FloatVector c0 = FloatVector.fromArray(F, scale, scaleOff), c1 = FloatVector.fromArray(F, scale, scaleOff + 16);
        final FloatVector c2 = FloatVector.fromArray(F, scale, scaleOff + 32), c3 = FloatVector.fromArray(F, scale, scaleOff + 48);
        int yo = yOff;
        a00.mul(c0).intoArray(y, yo); a01.mul(c1).intoArray(y, yo + 16); a02.mul(c2).intoArray(y, yo + 32); a03.mul(c3).intoArray(y, yo + 48);
        yo += yStride;
        a10.mul(c0).intoArray(y, yo); a11.mul(c1).intoArray(y, yo + 16); a12.mul(c2).intoArray(y, yo + 32); a13.mul(c3).intoArray(y, yo + 48);
        yo += yStride;
        a20.mul(c0).intoArray(y, yo); a21.mul(c1).intoArray(y, yo + 16); a22.mul(c2).intoArray(y, yo + 32); a23.mul(c3).intoArray(y, yo + 48);
        yo += yStride;
        a30.mul(c0).intoArray(y, yo); a31.mul(c1).intoArray(y, yo + 16); a32.mul(c2).intoArray(y, yo + 32); a33.mul(c3).intoArray(y, yo + 48);
    }

    /** 512-bit registers: the 64 columns in 4 accumulators; each atom's 64 bytes are 4 sign-extending loads. */
    private static void int8Tile16(float[] u, int uOff, byte[] q, int qOff, int k, float[] scale, int scaleOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int a = 0, o = qOff; a < k; a++, o += INT8_TILE) {
            final FloatVector ua = FloatVector.broadcast(F, u[uOff + a]);
            a0 = bytesToFloats(B16, q, o).fma(ua, a0);
            a1 = bytesToFloats(B16, q, o + 16).fma(ua, a1);
            a2 = bytesToFloats(B16, q, o + 32).fma(ua, a2);
            a3 = bytesToFloats(B16, q, o + 48).fma(ua, a3);
        }
        a0.mul(FloatVector.fromArray(F, scale, scaleOff)).intoArray(y, yOff);
        a1.mul(FloatVector.fromArray(F, scale, scaleOff + 16)).intoArray(y, yOff + 16);
        a2.mul(FloatVector.fromArray(F, scale, scaleOff + 32)).intoArray(y, yOff + 32);
        a3.mul(FloatVector.fromArray(F, scale, scaleOff + 48)).intoArray(y, yOff + 48);
    }

    /** 256-bit registers: 32 of the tile's columns (at q[qOff], atom stride 64) in 4 accumulators. */
    private static void int8Tile8x4(float[] u, int uOff, byte[] q, int qOff, int k, float[] scale, int scaleOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int a = 0, o = qOff; a < k; a++, o += INT8_TILE) {
            final FloatVector ua = FloatVector.broadcast(F, u[uOff + a]);
            a0 = bytesToFloats(B8, q, o).fma(ua, a0);
            a1 = bytesToFloats(B8, q, o + 8).fma(ua, a1);
            a2 = bytesToFloats(B8, q, o + 16).fma(ua, a2);
            a3 = bytesToFloats(B8, q, o + 24).fma(ua, a3);
        }
        a0.mul(FloatVector.fromArray(F, scale, scaleOff)).intoArray(y, yOff);
        a1.mul(FloatVector.fromArray(F, scale, scaleOff + 8)).intoArray(y, yOff + 8);
        a2.mul(FloatVector.fromArray(F, scale, scaleOff + 16)).intoArray(y, yOff + 16);
        a3.mul(FloatVector.fromArray(F, scale, scaleOff + 24)).intoArray(y, yOff + 24);
    }

    private static FloatVector bytesToFloats(VectorSpecies<Byte> species, byte[] q, int off) {
        return (FloatVector) ByteVector.fromArray(species, q, off).convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    public void dotRows(float[] a, int aOff, int stride, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        final int step = F.length(), bound = F.loopBound(n);
        int i = 0;
        for (; i + 3 < rows; i += 4) {
            final int r0 = aOff + i * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            int j = 0;
            for (; j < bound; j += step) {
                final FloatVector xv = FloatVector.fromArray(F, x, xOff + j);
                c0 = FloatVector.fromArray(F, a, r0 + j).fma(xv, c0);
                c1 = FloatVector.fromArray(F, a, r1 + j).fma(xv, c1);
                c2 = FloatVector.fromArray(F, a, r2 + j).fma(xv, c2);
                c3 = FloatVector.fromArray(F, a, r3 + j).fma(xv, c3);
            }
            float s0 = c0.reduceLanes(VectorOperators.ADD), s1 = c1.reduceLanes(VectorOperators.ADD);
            float s2 = c2.reduceLanes(VectorOperators.ADD), s3 = c3.reduceLanes(VectorOperators.ADD);
            for (; j < n; j++) {
                final float xj = x[xOff + j];
                s0 += a[r0 + j] * xj;
                s1 += a[r1 + j] * xj;
                s2 += a[r2 + j] * xj;
                s3 += a[r3 + j] * xj;
            }
            out[outOff + i] = s0;
            out[outOff + i + 1] = s1;
            out[outOff + i + 2] = s2;
            out[outOff + i + 3] = s3;
        }
        for (; i < rows; i++) out[outOff + i] = dot(a, aOff + i * stride, x, xOff, n);
    }

    @Override
    public void gather(float[] src, int off, int[] idx, float[] dst, int n) {
        final int step = F.length(), bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += step) FloatVector.fromArray(F, src, off, idx, i).intoArray(dst, i);
        for (; i < n; i++) dst[i] = src[off + idx[i]];
    }

    @Override
    public int argMaxAbs(float[] a, int n) {
        // pass 1: the largest magnitude, lane-wise; pass 2: the first index that holds it
        final int step = F.length(), bound = F.loopBound(n);
        FloatVector max = FloatVector.broadcast(F, -1f);
        int i = 0;
        for (; i < bound; i += step) max = max.max(FloatVector.fromArray(F, a, i).abs());
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, Math.abs(a[i]));
        i = 0;
        for (; i < bound; i += step) {
            final int lane = FloatVector.fromArray(F, a, i).abs().compare(VectorOperators.EQ, m).firstTrue();
            if (lane < step) return i + lane;
        }
        for (; i < n; i++) if (Math.abs(a[i]) == m) return i;
        return 0;
    }

    @Override
    public int lanes() {
        return F.length();
    }

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize();
    }
}
