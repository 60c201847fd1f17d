package io.github.cospadi.internal;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The divide-and-conquer eigensolver against EJML's symmetric eigensolver (the oracle) on random, rank-deficient,
 * clustered, graded, already-tridiagonal and badly scaled matrices: the same eigenvalues, eigenvectors that satisfy
 * A·x = λ·x and XᵀX = I to working precision, the same eigenvector (up to sign) wherever the eigenvalue is well
 * separated, and bit-identical results for one and two threads.
 */
public class SymmetricEigenTest {
    private static final String[] KINDS = {"gaussian", "rank-deficient", "clustered", "graded", "tridiagonal", "diagonal", "wilkinson"};

    static LongStream seeds() {
        return LongStream.range(0, 56);
    }

    /** A symmetric test matrix of the given kind. */
    static double[] matrix(String kind, int n, SplittableRandom random) {
        final double[] a = new double[n * n];
        switch (kind) {
            case "gaussian" -> {
                for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = Randoms.gaussian(random);
            }
            case "rank-deficient" -> { // Gram of n × q data, q < n: n − q zero eigenvalues
                final int q = 1 + random.nextInt(Math.max(1, n / 2));
                final double[] x = new double[n * q];
                for (int i = 0; i < x.length; i++) x[i] = Randoms.gaussian(random);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double v = 0;
                        for (int p = 0; p < q; p++) v += x[i * q + p] * x[j * q + p];
                        a[i * n + j] = v;
                    }
                }
            }
            case "clustered", "graded" -> { // Q·diag(λ)·Qᵀ: a few distinct values repeated (± 1e-13), or 10^(−12·i/n)
                final double[] lambda = new double[n];
                for (int i = 0; i < n; i++) {
                    lambda[i] = kind.equals("graded") ? Math.pow(10, -12.0 * i / n)
                            : (1 + i % 3) * (1 + 1e-13 * Randoms.gaussian(random)) * (i % 5 == 0 ? -1 : 1);
                }
                final double[] q = orthogonal(n, random);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double v = 0;
                        for (int p = 0; p < n; p++) v += q[i * n + p] * lambda[p] * q[j * n + p];
                        a[i * n + j] = v;
                    }
                }
                for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
            }
            case "tridiagonal" -> {
                for (int i = 0; i < n; i++) {
                    a[i * n + i] = Randoms.gaussian(random);
                    if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = i % 4 == 3 ? 0 : Randoms.gaussian(random);
                }
            }
            case "diagonal" -> {
                for (int i = 0; i < n; i++) a[i * n + i] = random.nextInt(4); // repeated values, zeros
            }
            case "wilkinson" -> { // W⁺: pairs of nearly equal eigenvalues
                for (int i = 0; i < n; i++) {
                    a[i * n + i] = Math.abs((n - 1) / 2.0 - i);
                    if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = 1;
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return a;
    }

    /** A random orthogonal matrix (Gram–Schmidt of a Gaussian one, twice). */
    public static double[] orthogonal(int n, SplittableRandom random) {
        final double[] q = new double[n * n];
        for (int i = 0; i < q.length; i++) q[i] = Randoms.gaussian(random);
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < n; c++) {
                for (int p = 0; p < c; p++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += q[i * n + c] * q[i * n + p];
                    for (int i = 0; i < n; i++) q[i * n + c] -= dot * q[i * n + p];
                }
                double norm = 0;
                for (int i = 0; i < n; i++) norm += q[i * n + c] * q[i * n + c];
                norm = Math.sqrt(norm);
                for (int i = 0; i < n; i++) q[i * n + c] /= norm;
            }
        }
        return q;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithEjml(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final String kind = KINDS[(int) (seed % KINDS.length)];
        final int[] sizes = {1, 2, 3, 5, 8, 17, 31, 32, 33, 64, 65, 100, 150, 257};
        final int n = sizes[random.nextInt(sizes.length)];
        final double scale = seed % 11 == 4 ? 1e150 : seed % 11 == 7 ? 1e-150 : 1;
        final double[] a = matrix(kind, n, random);
        for (int i = 0; i < a.length; i++) a[i] *= scale;
        final String where = "seed " + seed + " (" + kind + ", n=" + n + ", scale " + scale + ")";
        check(a, n, seed % 2 == 0 ? n : 1 + random.nextInt(n), where);
    }

    /** Larger sizes, where the merges use the blocked product and the back-transformation several blocks. */
    @Test
    void agreesWithEjmlOnLargerMatrices() {
        final SplittableRandom random = new SplittableRandom(99);
        check(matrix("gaussian", 300, random), 300, 300, "gaussian 300");
        check(matrix("rank-deficient", 320, random), 320, 140, "rank-deficient 320, 140 vectors");
    }

    private static void check(double[] a, int n, int count, String where) {
        final SymmetricEigen eig = SymmetricEigen.of(a, n, count, Parallelism.sequential());
        final EigenDecomposition_F64<DMatrixRMaj> ref = DecompositionFactory_DDRM.eig(n, true, true);
        assertTrue(ref.decompose(DMatrixRMaj.wrap(n, n, a.clone())), where);
        final double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = ref.getEigenvalue(i).real;
        Arrays.sort(expected);
        double norm = 0;
        for (double v : a) norm = Math.max(norm, Math.abs(v));
        norm *= n; // ≥ ‖A‖₂
        final double tol = 1e-13 * n * Math.max(norm, Double.MIN_NORMAL);
        for (int c = 0; c < n; c++) {
            assertEquals(expected[n - 1 - c], eig.value(c), tol, where + ": eigenvalue " + c);
            if (c > 0) assertTrue(eig.value(c) <= eig.value(c - 1), where + ": not decreasing at " + c);
        }
        final double[] x = eig.vectorsView();
        for (int c = 0; c < count; c++) {
            // residual ‖A·x − λ·x‖ and the sign convention
            double res = 0, maxAbs = 0, atMax = 0;
            for (int i = 0; i < n; i++) {
                double v = -eig.value(c) * x[c * n + i];
                for (int j = 0; j < n; j++) v += a[i * n + j] * x[c * n + j];
                res = Math.max(res, Math.abs(v));
                if (Math.abs(x[c * n + i]) > maxAbs) {
                    maxAbs = Math.abs(x[c * n + i]);
                    atMax = x[c * n + i];
                }
            }
            assertTrue(res <= tol, where + ": residual " + res + " of vector " + c + " > " + tol);
            assertTrue(atMax > 0, where + ": largest entry of vector " + c + " is not positive");
            for (int p = 0; p <= c; p++) {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += x[c * n + i] * x[p * n + i];
                assertEquals(p == c ? 1 : 0, dot, 1e-13 * n, where + ": x" + c + "·x" + p);
            }
            // a well-separated eigenvalue: the same vector as EJML's up to sign
            final double lambda = eig.value(c);
            double gap = Double.POSITIVE_INFINITY;
            for (int p = 0; p < n; p++) if (p != c) gap = Math.min(gap, Math.abs(eig.value(p) - lambda));
            if (gap > 1e-3 * norm) {
                int best = 0;
                for (int p = 1; p < n; p++) {
                    if (Math.abs(ref.getEigenvalue(p).real - lambda) < Math.abs(ref.getEigenvalue(best).real - lambda)) best = p;
                }
                final double[] y = ref.getEigenVector(best).data;
                double dot = 0, yy = 0;
                for (int i = 0; i < n; i++) {
                    dot += x[c * n + i] * y[i];
                    yy += y[i] * y[i];
                }
                assertEquals(1, Math.abs(dot) / Math.sqrt(yy), 1e-9, where + ": vector " + c + " differs from EJML's");
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void threadCountDoesNotChangeTheResult(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final String kind = KINDS[(int) (seed % KINDS.length)];
        final int n = 1 + random.nextInt(300);
        final double[] a = matrix(kind, n, random);
        final int count = random.nextInt(n + 1);
        final SymmetricEigen one = SymmetricEigen.of(a, n, count, Parallelism.sequential());
        final SymmetricEigen two = SymmetricEigen.of(a, n, count, Parallelism.threads(2));
        assertArrayEquals(one.values(), two.values(), 0, "seed " + seed);
        assertArrayEquals(one.vectorsView(), two.vectorsView(), 0, "seed " + seed);
    }

    /** The fused tridiagonalization kernel against its scalar twin, over lengths around the vector width. */
    @ParameterizedTest(name = "n {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100})
    void rank2UpdateDotAgreesWithTheScalarTwin(int n) {
        final SplittableRandom random = new SplittableRandom(n);
        final double[] a = new double[n + 5], x = new double[n + 3], y = new double[n + 3], u = new double[n + 3];
        for (double[] v : new double[][]{a, x, y, u}) for (int i = 0; i < v.length; i++) v[i] = Randoms.gaussian(random);
        final double[] b = a.clone();
        final double s1 = FloatOps.scalar().rank2UpdateDot(a, 2, 0.7, x, -1.3, y, u, 0, n);
        final double s2 = FloatOps.get().rank2UpdateDot(b, 2, 0.7, x, -1.3, y, u, 0, n);
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-14, "n " + n + " entry " + i);
        assertEquals(s1, s2, 1e-12 * (1 + n), "n " + n);
        double expected = 0;
        for (int i = 0; i < n; i++) expected += a[2 + i] * u[i];
        assertEquals(expected, s1, 1e-12 * (1 + n), "n " + n);
    }

    @Test
    void zeroMatrixAndBadInput() {
        final SymmetricEigen z = SymmetricEigen.of(new double[9], 3, 2, Parallelism.sequential());
        assertArrayEquals(new double[3], z.values(), 0);
        assertArrayEquals(new double[]{1, 0, 0}, z.vector(0), 0);
        final double[] nan = {1, Double.NaN, Double.NaN, 1};
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(nan, 2, 1, Parallelism.sequential()));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[4], 2, 3, Parallelism.sequential()));
    }
}
