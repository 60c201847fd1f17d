package io.github.cospadi.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The chosen FloatOps (the Vector API twin when the module is present, as under surefire) against the scalar one. */
class FloatOpsTest {
    private static final FloatOps FAST = FloatOps.get(), SCALAR = FloatOps.scalar();

    @Test
    void theVectorTwinIsActiveUnderTheTestFlags() {
        // surefire runs with --add-modules jdk.incubator.vector; without it this documents the fallback reason
        assertTrue(FAST.name().startsWith("vector") || FloatOpsProvider.reason().contains("not present"), FloatOpsProvider.reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7, 15, 16, 17, 31, 63, 64, 65, 127, 257, 1021})
    void dotAxpyAndPanelProductAgreeOnOddAndPrimeLengths(int n) {
        final SplittableRandom random = new SplittableRandom(n);
        final float[] a = randomArray(n + 3, random), b = randomArray(n + 5, random);
        assertEquals(SCALAR.dot(a, 3, b, 5, n), FAST.dot(a, 3, b, 5, n), 1e-4f * (1 + n), "dot n=" + n);
        final double[] da = toDouble(a), db = toDouble(b);
        assertEquals(SCALAR.dot(da, 3, db, 5, n), FAST.dot(da, 3, db, 5, n), 1e-9 * (1 + n), "double dot n=" + n);

        final float[] y1 = randomArray(n + 2, random), y2 = y1.clone();
        SCALAR.axpy(0.37f, a, 3, y1, 2, n);
        FAST.axpy(0.37f, a, 3, y2, 2, n);
        assertArrayEquals(y1, y2, 1e-5f, "axpy n=" + n);
        final double[] z1 = toDouble(y1), z2 = z1.clone();
        SCALAR.axpy(-1.5, da, 3, z1, 2, n);
        FAST.axpy(-1.5, da, 3, z2, 2, n);
        assertArrayEquals(z1, z2, 1e-12, "double axpy n=" + n);

        for (int rows : new int[]{0, 1, 3, 8, 13}) {
            final float[] panel = randomArray(rows * n, random), x = randomArray(rows, random);
            final float[] p1 = randomArray(n, random), p2 = p1.clone();
            SCALAR.subtractTransposedProduct(panel, rows, n, x, p1);
            FAST.subtractTransposedProduct(panel, rows, n, x, p2);
            assertArrayEquals(p1, p2, 1e-4f, "panel product rows=" + rows + " n=" + n);
            // strided panel (rows n + 5 apart), only the first n entries of each row read
            final float[] wide = randomArray(rows * (n + 5), random);
            final float[] q1 = randomArray(n, random), q2 = q1.clone();
            SCALAR.subtractTransposedProduct(wide, 0, rows, n + 5, n, x, 0, q1);
            FAST.subtractTransposedProduct(wide, 0, rows, n + 5, n, x, 0, q2);
            assertArrayEquals(q1, q2, 1e-4f, "strided panel product rows=" + rows + " n=" + n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7, 15, 16, 17, 31, 63, 64, 65, 257, 1021})
    void gatherDotAgreesWithTheScalarTwinAndADoubleSum(int n) {
        final SplittableRandom random = new SplittableRandom(71L * n + 5);
        final int k = 1 + random.nextInt(300), uOff = random.nextInt(4), off = random.nextInt(4);
        final float[] u = randomArray(uOff + k, random), val = randomArray(off + n, random);
        final int[] idx = new int[off + n];
        for (int t = 0; t < idx.length; t++) idx[t] = random.nextInt(k);
        double sum = 0, bound = 0;
        for (int t = 0; t < n; t++) {
            sum += (double) u[uOff + idx[off + t]] * val[off + t];
            bound += Math.abs((double) u[uOff + idx[off + t]] * val[off + t]);
        }
        assertEquals(sum, SCALAR.gatherDot(u, uOff, idx, val, off, n), 1e-6 * bound + 1e-7, "scalar gatherDot n=" + n);
        assertEquals(sum, FAST.gatherDot(u, uOff, idx, val, off, n), 1e-6 * bound + 1e-7, "gatherDot n=" + n);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7, 15, 16, 17, 31, 63, 64, 65, 257, 1021})
    void dotRowsAgreesWithOneDotPerRowForEveryRowCountAndTail(int n) {
        final SplittableRandom random = new SplittableRandom(53L * n + 3);
        for (int rows : new int[]{0, 1, 3, 4, 5, 8, 11}) {
            final int stride = n + random.nextInt(3), aOff = random.nextInt(5), xOff = random.nextInt(5);
            final float[] a = randomArray(aOff + rows * stride + 1, random), x = randomArray(xOff + n, random);
            final float[] o1 = randomArray(rows + 2, random), o2 = o1.clone();
            SCALAR.dotRows(a, aOff, stride, rows, x, xOff, n, o1, 1);
            FAST.dotRows(a, aOff, stride, rows, x, xOff, n, o2, 1);
            for (int i = 0; i < rows; i++) {
                assertEquals(SCALAR.dot(a, aOff + i * stride, x, xOff, n), o1[1 + i], 0f, "scalar dotRows is one dot per row");
                assertEquals(o1[1 + i], o2[1 + i], 1e-4f * (1 + n), "dotRows n=" + n + " rows=" + rows + " row " + i);
            }
            assertEquals(o1[0], o2[0], "untouched before");
            assertEquals(o1[rows + 1], o2[rows + 1], "untouched after");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7, 16, 63, 64, 131, 1021})
    void int8TileProductIsBitIdenticalToTheScalarTwinAndToADoubleSum(int k) {
        final SplittableRandom random = new SplittableRandom(977L * k + 1);
        final int qOff = 64 * 3, uOff = 5, sOff = 7, yOff = 11;
        final byte[] q = new byte[qOff + 64 * k];
        for (int i = 0; i < q.length; i++) q[i] = (byte) (random.nextInt(255) - 127);
        final float[] u = randomArray(uOff + k, random), scale = randomArray(sOff + 64, random);
        final float[] y1 = randomArray(yOff + 64 + 3, random), y2 = y1.clone();
        SCALAR.int8TileProduct(u, uOff, q, qOff, k, scale, sOff, y1, yOff);
        FAST.int8TileProduct(u, uOff, q, qOff, k, scale, sOff, y2, yOff);
        assertArrayEquals(y1, y2, "int8 tile k=" + k); // one fma chain per column in both: same bits
        for (int l = 0; l < 64; l++) {
            double sum = 0, bound = 0;
            for (int a = 0; a < k; a++) {
                sum += (double) u[uOff + a] * q[qOff + 64 * a + l];
                bound += Math.abs((double) u[uOff + a] * q[qOff + 64 * a + l]);
            }
            assertEquals(sum * scale[sOff + l], y1[yOff + l], 1e-6 * bound * Math.abs(scale[sOff + l]) + 1e-30, "k=" + k + " lane " + l);
        }
        // four inputs at once: the same bits as four single calls
        final int uStride = k + 3, yStride = 64 + 5;
        final float[] u4 = randomArray(uOff + 3 * uStride + k, random);
        final float[] z1 = randomArray(yOff + 3 * yStride + 64, random), z2 = z1.clone(), z3 = z1.clone();
        for (int r = 0; r < 4; r++) SCALAR.int8TileProduct(u4, uOff + r * uStride, q, qOff, k, scale, sOff, z1, yOff + r * yStride);
        SCALAR.int8TileProduct4(u4, uOff, uStride, q, qOff, k, scale, sOff, z2, yOff, yStride);
        FAST.int8TileProduct4(u4, uOff, uStride, q, qOff, k, scale, sOff, z3, yOff, yStride);
        assertArrayEquals(z1, z2, "scalar int8 tile x4 k=" + k);
        assertArrayEquals(z1, z3, "int8 tile x4 k=" + k);
        for (int i = 0; i < yOff; i++) assertEquals(y1[i], y2[i], "untouched before the tile");
        for (int i = yOff + 64; i < y1.length; i++) assertEquals(y1[i], y2[i], "untouched after the tile");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 15, 16, 17, 31, 32, 33, 47, 48, 49, 65, 97})
    void gemmAgreesWithTheScalarTwinOnEveryTileAndTailShape(int n) {
        final SplittableRandom random = new SplittableRandom(31L * n);
        for (int rows : new int[]{1, 3, 4, 5, 9}) {
            final int m = 1 + random.nextInt(40);
            final float[] at = randomArray(rows * m, random), b = randomArray(m * n, random);
            final float[] c1 = new float[rows * n], c2 = new float[rows * n];
            final int from = random.nextInt(rows);
            SCALAR.gemmTransposedA(at, m, b, n, c1, from, rows);
            FAST.gemmTransposedA(at, m, b, n, c2, from, rows);
            assertArrayEquals(c1, c2, 1e-4f * m, "gemm rows=" + rows + " from=" + from + " m=" + m + " n=" + n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 15, 16, 17, 31, 63, 64, 65, 127, 257, 1021})
    void argMaxAbsAgreesWithTheScalarTwinIncludingTies(int n) {
        final SplittableRandom random = new SplittableRandom(7L * n);
        for (int round = 0; round < 20; round++) {
            final float[] a = new float[n];
            // small integers: many ties, signs mixed, sometimes all zero
            for (int i = 0; i < n; i++) a[i] = round == 0 ? 0f : (float) (random.nextInt(9) - 4);
            assertEquals(SCALAR.argMaxAbs(a, n), FAST.argMaxAbs(a, n), "n=" + n + " round " + round);
            final int len = 1 + random.nextInt(n);
            assertEquals(SCALAR.argMaxAbs(a, len), FAST.argMaxAbs(a, len), "n=" + len + " round " + round);
            final int[] idx = random.ints(n, 0, n).toArray();
            final float[] g1 = new float[n], g2 = new float[n];
            SCALAR.gather(a, 0, idx, g1, n);
            FAST.gather(a, 0, idx, g2, n);
            assertArrayEquals(g1, g2, "gather n=" + n + " round " + round);
        }
    }

    private static float[] randomArray(int n, SplittableRandom random) {
        final float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (random.nextDouble() * 2 - 1);
        return a;
    }

    private static double[] toDouble(float[] a) {
        final double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
