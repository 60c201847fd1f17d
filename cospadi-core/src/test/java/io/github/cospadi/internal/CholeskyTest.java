package io.github.cospadi.internal;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.RandomMatrices_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** The blocked Cholesky against EJML's (the oracle), and the double tile kernel against its scalar twin. */
class CholeskyTest {

    static LongStream seeds() {
        return LongStream.range(0, 16);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void blockedCholeskyEqualsEjmlAndIsThreadIndependent(long seed) {
        final Random random = new Random(seed);
        // sizes around the panel width and the kernel's tiles
        final int[] sizes = {1, 2, 5, 17, 63, Cholesky.PANEL - 1, Cholesky.PANEL, Cholesky.PANEL + 1, 2 * Cholesky.PANEL + 37, 301};
        final int n = sizes[(int) (seed % sizes.length)];
        final DMatrixRMaj g = RandomMatrices_DDRM.symmetricPosDef(n, random);
        final double shift = seed % 3 == 0 ? 0.25 : 0;
        final DMatrixRMaj l1 = Cholesky.upper(g, shift, 0, Parallelism.sequential());
        final DMatrixRMaj l2 = Cholesky.upper(g, shift, 0, Parallelism.threads(2));
        assertNotNull(l1, "seed " + seed + " n=" + n);
        assertArrayEquals(l1.data, l2.data, 0.0, "seed " + seed + ": thread count changed the factor");
        final DMatrixRMaj a = g.copy();
        for (int i = 0; i < n; i++) a.data[i * n + i] += shift;
        final CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, false);
        assertTrue(chol.decompose(a.copy()));
        final DMatrixRMaj ref = chol.getT(null);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                final double expected = j >= i ? ref.data[i * n + j] : 0;
                assertEquals(expected, l1.data[i * n + j], 1e-9 * (1 + Math.abs(expected)), "seed " + seed + " (" + i + "," + j + ")");
            }
        }
        final DMatrixRMaj ltl = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransA(l1, l1, ltl);
        for (int i = 0; i < n * n; i++) assertEquals(a.data[i], ltl.data[i], 1e-9 * (1 + Math.abs(a.data[i])), "seed " + seed);
    }

    /** The blocked triangular solves against row-by-row substitution, for both triangles, 1 and 2 threads. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void blockedTriangularSolvesMatchSubstitution(long seed) {
        final Random random = new Random(seed);
        final int[] sizes = {1, 3, 63, 64, 65, 130, 201};
        final int n = sizes[(int) (seed % sizes.length)], cols = 1 + random.nextInt(150);
        final DMatrixRMaj u = Cholesky.upper(RandomMatrices_DDRM.symmetricPosDef(n, random), 0.5, 0, Parallelism.sequential());
        final double[] lower = new double[n * n];
        for (int i = 0; i < n; i++) for (int p = i; p < n; p++) lower[p * n + i] = u.data[i * n + p];
        final double[] b = new double[n * cols];
        for (int i = 0; i < b.length; i++) b[i] = random.nextGaussian();
        // oracles: U·X = B from the last row up, Uᵀ·X = B from the first row down
        final double[] upperOracle = b.clone(), lowerOracle = b.clone();
        for (int j = 0; j < cols; j++) {
            for (int i = n - 1; i >= 0; i--) {
                double v = upperOracle[i * cols + j];
                for (int p = i + 1; p < n; p++) v -= u.data[i * n + p] * upperOracle[p * cols + j];
                upperOracle[i * cols + j] = v / u.data[i * n + i];
            }
            for (int i = 0; i < n; i++) {
                double v = lowerOracle[i * cols + j];
                for (int p = 0; p < i; p++) v -= lower[i * n + p] * lowerOracle[p * cols + j];
                lowerOracle[i * cols + j] = v / lower[i * n + i];
            }
        }
        for (Parallelism par : new Parallelism[]{Parallelism.sequential(), Parallelism.threads(2)}) {
            final double[] x = b.clone(), y = b.clone();
            Cholesky.solveUpper(u.data, n, x, cols, par);
            Cholesky.solveLower(lower, n, y, cols, par);
            for (int i = 0; i < b.length; i++) {
                assertEquals(upperOracle[i], x[i], 1e-9 * (1 + Math.abs(upperOracle[i])), "seed " + seed + " upper, n=" + n + " at " + i);
                assertEquals(lowerOracle[i], y[i], 1e-9 * (1 + Math.abs(lowerOracle[i])), "seed " + seed + " lower, n=" + n + " at " + i);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void notPositiveDefiniteReturnsNull(long seed) {
        final Random random = new Random(seed);
        final int n = 3 + random.nextInt(200);
        final DMatrixRMaj g = RandomMatrices_DDRM.symmetricPosDef(n, random);
        final int dead = random.nextInt(n);
        for (int i = 0; i < n; i++) {
            g.data[dead * n + i] = 0;
            g.data[i * n + dead] = 0;
        }
        assertNull(Cholesky.upper(g, 0, 1e-12, Parallelism.sequential()), "seed " + seed + ": dead channel " + dead);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 9, 15, 16, 17, 33, 41})
    void doubleTileKernelAgreesWithTheScalarTwin(int cols) {
        final Random random = new Random(cols);
        for (int rows : new int[]{1, 3, 4, 5, 11}) {
            final int depth = 1 + random.nextInt(30), lda = depth + 2, ldb = cols + 3, ldc = cols + 1;
            final double[] a = new double[rows * lda + 1], b = new double[depth * ldb + 2], c1 = new double[rows * ldc + 3];
            for (int i = 0; i < a.length; i++) a[i] = random.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = random.nextGaussian();
            for (int i = 0; i < c1.length; i++) c1[i] = random.nextGaussian();
            final double[] c2 = c1.clone();
            FloatOps.scalar().subtractProduct(a, 1, lda, b, 2, ldb, c1, 3, ldc, rows, cols, depth);
            FloatOps.get().subtractProduct(a, 1, lda, b, 2, ldb, c2, 3, ldc, rows, cols, depth);
            assertArrayEquals(c1, c2, 1e-10 * depth, "rows=" + rows + " cols=" + cols + " depth=" + depth);
        }
    }
}
