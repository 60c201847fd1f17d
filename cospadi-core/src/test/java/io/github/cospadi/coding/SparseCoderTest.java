package io.github.cospadi.coding;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Properties of particular coders over many seeded random problems (what every coder keeps is
 * {@link SparseCoderContractTest}); messages name the seed.
 */
class SparseCoderTest {

    static LongStream seeds() {
        return LongStream.range(0, 30);
    }

    /** Gaussian dictionary with unit-norm columns. */
    static FMatrixRMaj dictionary(int m, int k, SplittableRandom random) {
        final FMatrixRMaj d = TestData.gaussian(m, k, random);
        for (int c = 0; c < k; c++) {
            double norm = 0;
            for (int r = 0; r < m; r++) norm += d.get(r, c) * d.get(r, c);
            for (int r = 0; r < m; r++) d.set(r, c, (float) (d.get(r, c) / Math.sqrt(norm)));
        }
        return d;
    }

    /** ‖y_j − D c_j‖² for every column, in double. */
    static double[] residuals(FMatrixRMaj d, FMatrixRMaj y, ColumnSparseMatrix codes) {
        final int m = d.numRows, n = y.numCols, s = codes.nonzerosPerColumn();
        final double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < m; r++) {
                double v = y.get(r, j);
                for (int t = j * s; t < (j + 1) * s; t++) v -= (double) d.get(r, codes.rowIndices()[t]) * codes.values()[t];
                out[j] += v * v;
            }
        }
        return out;
    }

    /** Least-squares residual of y_j on the given atoms, by EJML's QR solver (the brute-force oracle). */
    static double leastSquaresResidual(FMatrixRMaj d, FMatrixRMaj y, int j, int[] atoms) {
        final int m = d.numRows;
        final DMatrixRMaj a = new DMatrixRMaj(m, atoms.length), b = new DMatrixRMaj(m, 1), x = new DMatrixRMaj(atoms.length, 1);
        for (int r = 0; r < m; r++) {
            b.set(r, 0, y.get(r, j));
            for (int c = 0; c < atoms.length; c++) a.set(r, c, d.get(r, atoms[c]));
        }
        assertTrue(CommonOps_DDRM.solve(a, b, x));
        double res = 0;
        for (int r = 0; r < m; r++) {
            double v = b.get(r, 0);
            for (int c = 0; c < atoms.length; c++) v -= a.get(r, c) * x.get(c, 0);
            res += v * v;
        }
        return res;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void ompValuesAreLeastSquaresOnItsOwnSupport(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 8 + random.nextInt(30), k = 4 + random.nextInt(30), n = 1 + random.nextInt(12);
        final int s = 1 + random.nextInt(Math.min(k, m));
        final FMatrixRMaj d = dictionary(m, k, random), y = TestData.gaussian(m, n, random);
        final ColumnSparseMatrix codes = SparseCoder.omp().encode(d, y, s, null, Parallelism.sequential());
        assertEquals(s, codes.nonzerosPerColumn());
        final double[] res = residuals(d, y, codes);
        for (int j = 0; j < n; j++) {
            final int[] support = java.util.Arrays.copyOfRange(codes.rowIndices(), j * s, (j + 1) * s);
            final double ls = leastSquaresResidual(d, y, j, support);
            assertEquals(ls, res[j], 1e-4 * (1 + ls), "seed " + seed + " column " + j);
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void ompRecoversPlantedSupportsAtLowCoherence(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 128, k = 64, n = 10, s = 1 + random.nextInt(4);
        final FMatrixRMaj d = dictionary(m, k, random);
        final FMatrixRMaj y = new FMatrixRMaj(m, n);
        final int[][] planted = new int[n][];
        for (int j = 0; j < n; j++) {
            planted[j] = random.ints(0, k).distinct().limit(s).sorted().toArray();
            for (int i : planted[j]) {
                final double c = (random.nextBoolean() ? 1 : -1) * (1 + random.nextDouble());
                for (int r = 0; r < m; r++) y.set(r, j, (float) (y.get(r, j) + c * d.get(r, i)));
            }
        }
        final ColumnSparseMatrix codes = SparseCoder.omp().encode(d, y, s, null, Parallelism.sequential());
        for (int j = 0; j < n; j++) {
            assertArrayEquals(planted[j], java.util.Arrays.copyOfRange(codes.rowIndices(), j * s, (j + 1) * s),
                    "seed " + seed + " column " + j);
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void fullSparsityReachesTheLeastSquaresFloor(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 6 + random.nextInt(20), k = 1 + random.nextInt(m), n = 1 + random.nextInt(8);
        final FMatrixRMaj d = dictionary(m, k, random), y = new FMatrixRMaj(m, n);
        // y in the span of D: s = k reproduces it exactly
        final FMatrixRMaj coef = TestData.gaussian(k, n, random);
        org.ejml.dense.row.CommonOps_FDRM.mult(d, coef, y);
        for (SparseCoder coder : new SparseCoder[]{SparseCoder.omp(), SparseCoder.iht()}) {
            final double[] res = residuals(d, y, coder.encode(d, y, k, null, Parallelism.sequential()));
            for (int j = 0; j < n; j++) assertTrue(res[j] < 1e-6, "seed " + seed + " " + coder.name() + " column " + j + ": " + res[j]);
        }
    }

    /** IHT, warm-started from OMP's codes as in K-SVD, is never worse; from scratch it stays within a factor 2 of OMP. */
    @ParameterizedTest
    @MethodSource("seeds")
    void ihtIsWithinAStatedFactorOfOmp(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 32 + random.nextInt(32), k = 16 + random.nextInt(48), n = 40, s = 1 + random.nextInt(Math.min(8, k));
        final FMatrixRMaj d = dictionary(m, k, random), y = TestData.gaussian(m, n, random);
        final ColumnSparseMatrix omp = SparseCoder.omp().encode(d, y, s, null, Parallelism.sequential());
        final double ompTotal = sum(residuals(d, y, omp));
        final double cold = sum(residuals(d, y, SparseCoder.iht().encode(d, y, s, null, Parallelism.sequential())));
        final double warm = sum(residuals(d, y, SparseCoder.iht().encode(d, y, s, omp, Parallelism.sequential())));
        assertTrue(cold <= 2.0 * ompTotal, "seed " + seed + ": IHT " + cold + " vs OMP " + ompTotal);
        assertTrue(warm <= ompTotal * (1 + 1e-5), "seed " + seed + ": warm IHT " + warm + " vs OMP " + ompTotal);
    }

    @Test
    void ompIsSafeWithDuplicateAndZeroAtoms() {
        final SplittableRandom random = new SplittableRandom(5);
        final FMatrixRMaj d = dictionary(12, 6, random);
        for (int r = 0; r < 12; r++) {
            d.set(r, 3, d.get(r, 1)); // exact duplicate
            d.set(r, 5, 0);           // zero atom
        }
        final FMatrixRMaj y = TestData.gaussian(12, 4, random);
        final ColumnSparseMatrix codes = SparseCoder.omp().encode(d, y, 6, null, Parallelism.sequential());
        for (float v : codes.values()) assertTrue(Float.isFinite(v), "finite values");
        final double[] res = residuals(d, y, codes);
        for (int j = 0; j < 4; j++) {
            assertEquals(leastSquaresResidual(d, y, j, new int[]{0, 1, 2, 4}), res[j], 1e-4, "column " + j);
        }
    }

    @Test
    void badInputsAreRejectedNamingTheValue() {
        final SplittableRandom random = new SplittableRandom(1);
        final FMatrixRMaj d = dictionary(8, 5, random), y = TestData.gaussian(8, 3, random);
        assertMessage(() -> SparseCoder.omp().encode(d, y, 6, null, Parallelism.sequential()), "s must be in [1, atoms=5], got 6");
        assertMessage(() -> SparseCoder.iht().encode(d, y, 0, null, Parallelism.sequential()), "got 0");
        assertMessage(() -> SparseCoder.omp().encode(d, TestData.gaussian(9, 3, random), 2, null, Parallelism.sequential()),
                "must have the same number of rows");
        final FMatrixRMaj nan = y.copy();
        nan.set(2, 1, Float.NaN);
        assertMessage(() -> SparseCoder.omp().encode(d, nan, 2, null, Parallelism.sequential()), "targets has a non-finite entry NaN at (2, 1)");
        final FMatrixRMaj inf = d.copy();
        inf.set(0, 0, Float.POSITIVE_INFINITY);
        assertMessage(() -> SparseCoder.iht().encode(inf, y, 2, null, Parallelism.sequential()), "dictionary has a non-finite entry");
        assertMessage(() -> SparseCoder.iht(0), "iterations must be positive, got 0");
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void refreshNeverFitsWorseThanItsWarmStartAndKeepsExactlySNonzeros(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 8 + random.nextInt(30), k = 4 + random.nextInt(40), n = 1 + random.nextInt(12);
        final int s = 1 + random.nextInt(Math.min(k, m));
        final FMatrixRMaj d = dictionary(m, k, random), y = TestData.gaussian(m, n, random);
        // a poor warm start: random supports with values from a few IHT-free random draws
        final int[] rows = new int[n * s];
        final float[] values = new float[n * s];
        for (int j = 0; j < n; j++) {
            final int[] perm = random.ints(0, k).distinct().limit(s).sorted().toArray();
            for (int t = 0; t < s; t++) {
                rows[j * s + t] = perm[t];
                values[j * s + t] = (float) (0.1 * TestData.gaussian(random));
            }
        }
        final ColumnSparseMatrix warm = new ColumnSparseMatrix(k, n, s, rows, values);
        final ColumnSparseMatrix refreshed = SparseCoder.refresh(1 + random.nextInt(4)).encode(d, y, s, warm,
                seed % 2 == 0 ? Parallelism.sequential() : Parallelism.threads(2));
        assertEquals(s, refreshed.nonzerosPerColumn(), "seed " + seed);
        final double[] before = residuals(d, y, warm), after = residuals(d, y, refreshed);
        double sumBefore = 0, sumAfter = 0;
        for (int j = 0; j < n; j++) {
            final int[] support = java.util.Arrays.copyOfRange(refreshed.rowIndices(), j * s, (j + 1) * s);
            assertEquals(s, java.util.Arrays.stream(support).distinct().count(), "seed " + seed + " column " + j);
            assertTrue(after[j] <= before[j] * (1 + 1e-5) + 1e-6, "seed " + seed + " column " + j + ": " + after[j] + " > " + before[j]);
            sumBefore += before[j];
            sumAfter += after[j];
        }
        if (s < k) assertTrue(sumAfter < sumBefore, "seed " + seed + ": refresh did not improve a random warm start");
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void refreshThresholdKeepsTheLargestMagnitudesWithLowIndicesOnTies(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int k = 1 + random.nextInt(200), s = 1 + random.nextInt(k);
        final float[] v = new float[k];
        // few distinct values, so ties are common
        for (int i = 0; i < k; i++) v[i] = (float) (random.nextInt(7) - 3) * (random.nextBoolean() ? 1 : 0.5f);
        final Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> {
            final int c = Float.compare(Math.abs(v[b]), Math.abs(v[a]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        final int[] expected = new int[s];
        for (int t = 0; t < s; t++) expected[t] = order[t];
        java.util.Arrays.sort(expected);
        final float[] w = v.clone();
        final int[] support = new int[s];
        RefreshCoder.threshold(w, s, new RefreshCoder.Work(k, s), support, 0);
        assertArrayEquals(expected, support, "seed " + seed);
        for (int i = 0; i < k; i++) {
            final boolean kept = java.util.Arrays.binarySearch(expected, i) >= 0;
            assertEquals(kept ? v[i] : 0f, w[i], "seed " + seed + " index " + i);
        }
    }
}
