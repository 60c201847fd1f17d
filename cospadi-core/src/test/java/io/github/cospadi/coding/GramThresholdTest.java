package io.github.cospadi.coding;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/** {@link GramThreshold} against its slow twins: a full sort for the support, a dense solve for the refit. */
class GramThresholdTest {

    static LongStream seeds() {
        return LongStream.range(0, 40);
    }

    /** A random problem: D (m × k, m ≥ k, unit columns), its Gram with a padded leading dimension, z = Γ⁻¹a. */
    private record Problem(int k, int s, int ld, float[] gram, double[] inverseDiagonal, float[] z, float[] a, DMatrixRMaj g) {
        static Problem random(long seed) {
            final SplittableRandom random = new SplittableRandom(seed);
            final int k = 2 + random.nextInt(40), m = k + random.nextInt(20), s = 1 + random.nextInt(k);
            final int ld = k + random.nextInt(5);
            final double[] d = new double[m * k];
            for (int i = 0; i < d.length; i++) d[i] = random.nextGaussian();
            final DMatrixRMaj g = new DMatrixRMaj(k, k);
            for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) {
                double v = 0;
                for (int r = 0; r < m; r++) v += d[r * k + a] * d[r * k + b];
                g.data[a * k + b] = v;
            }
            final float[] gram = new float[(k - 1) * ld + k];
            for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) gram[a * ld + b] = (float) g.data[a * k + b];
            final DMatrixRMaj inv = new DMatrixRMaj(k, k);
            assertTrue(CommonOps_DDRM.invert(g, inv), "seed " + seed);
            final double[] diag = new double[k];
            for (int i = 0; i < k; i++) diag[i] = inv.data[i * k + i];
            final double[] y = new double[m];
            for (int r = 0; r < m; r++) y[r] = random.nextGaussian();
            final float[] a = new float[k], z = new float[k];
            for (int i = 0; i < k; i++) {
                double v = 0;
                for (int r = 0; r < m; r++) v += d[r * k + i] * y[r];
                a[i] = (float) v;
            }
            for (int i = 0; i < k; i++) {
                double v = 0;
                for (int j = 0; j < k; j++) v += inv.data[i * k + j] * a[j];
                z[i] = (float) v;
            }
            return new Problem(k, s, ld, gram, diag, z, a, g);
        }

        /** The s atoms with the largest z_i²/(Γ⁻¹)_ii, lower index first among ties, ascending. */
        int[] expectedSupport() {
            return IntStream.range(0, k).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -(double) z[i] * z[i] / inverseDiagonal[i]).thenComparingInt(i -> i))
                    .limit(s).mapToInt(Integer::intValue).sorted().toArray();
        }

        /** Least squares on the support: Γ_ΩΩ·x = a_Ω, by a dense solve. */
        double[] exactValues(int[] support) {
            final DMatrixRMaj sub = new DMatrixRMaj(s, s), rhs = new DMatrixRMaj(s, 1), x = new DMatrixRMaj(s, 1);
            for (int t = 0; t < s; t++) {
                for (int u = 0; u < s; u++) sub.data[t * s + u] = g.data[support[t] * k + support[u]];
                rhs.data[t] = a[support[t]];
            }
            assertTrue(CommonOps_DDRM.solve(sub, rhs, x));
            return x.data;
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void supportIsTheLargestBackwardEliminationScores(long seed) {
        final Problem p = Problem.random(seed);
        final int[] rows = new int[p.s + 3];
        final float[] values = new float[p.s + 3];
        new GramThreshold(p.gram, p.ld, p.inverseDiagonal, p.k, p.s, 0).code(p.z, 0, p.a, 0, rows, values, 3);
        assertArrayEquals(p.expectedSupport(), Arrays.copyOfRange(rows, 3, 3 + p.s), "seed " + seed);
        for (int t = 0; t < p.s; t++) assertEquals(p.z[rows[3 + t]], values[3 + t], "seed " + seed + ": no refit keeps z");
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void manyRefitStepsReachTheLeastSquaresValuesOnTheSupport(long seed) {
        final Problem p = Problem.random(seed);
        final int[] rows = new int[p.s];
        final float[] values = new float[p.s];
        new GramThreshold(p.gram, p.ld, p.inverseDiagonal, p.k, p.s, 4 * p.s + 10).code(p.z, 0, p.a, 0, rows, values, 0);
        final double[] exact = p.exactValues(rows);
        double scale = 0;
        for (double v : exact) scale = Math.max(scale, Math.abs(v));
        for (int t = 0; t < p.s; t++) {
            assertEquals(exact[t], values[t], 2e-3 * scale + 1e-5, "seed " + seed + ": value " + t);
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void refitNeverRaisesTheResidual(long seed) {
        final Problem p = Problem.random(seed);
        final int[] rows0 = new int[p.s], rows2 = new int[p.s];
        final float[] values0 = new float[p.s], values2 = new float[p.s];
        new GramThreshold(p.gram, p.ld, p.inverseDiagonal, p.k, p.s, 0).code(p.z, 0, p.a, 0, rows0, values0, 0);
        new GramThreshold(p.gram, p.ld, p.inverseDiagonal, p.k, p.s, 2).code(p.z, 0, p.a, 0, rows2, values2, 0);
        assertArrayEquals(rows0, rows2, "seed " + seed);
        final double f0 = objective(p, rows0, values0), f2 = objective(p, rows2, values2);
        assertTrue(f2 <= f0 + 1e-4 * Math.abs(f0) + 1e-6, "seed " + seed + ": " + f2 + " > " + f0);
    }

    /** xᵀΓx − 2xᵀa = ‖Dx − y‖² − ‖y‖². */
    private static double objective(Problem p, int[] rows, float[] values) {
        double f = 0;
        for (int t = 0; t < p.s; t++) {
            f -= 2.0 * values[t] * p.a[rows[t]];
            for (int u = 0; u < p.s; u++) f += values[t] * p.g.data[rows[t] * p.k + rows[u]] * values[u];
        }
        return f;
    }

    @Test
    void tiesGoToTheLowerIndex() {
        final int k = 6;
        final float[] gram = new float[k * k];
        final double[] diag = new double[k];
        for (int i = 0; i < k; i++) {
            gram[i * k + i] = 1;
            diag[i] = 1;
        }
        final float[] z = {1, 2, 2, 2, 0, 2}, a = z.clone();
        final int[] rows = new int[3];
        new GramThreshold(gram, k, diag, k, 3, 0).code(z, 0, a, 0, rows, new float[3], 0);
        assertArrayEquals(new int[]{1, 2, 3}, rows);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void nthLargestMatchesASort(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int n = 1 + random.nextInt(60);
        final double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = random.nextInt(8) == 0 ? 3.0 : random.nextGaussian();
        final double[] sorted = a.clone();
        Arrays.sort(sorted);
        final int rank = random.nextInt(n);
        assertEquals(sorted[n - 1 - rank], GramThreshold.nthLargest(a.clone(), n, rank), "seed " + seed);
    }

    @Test
    void badArgumentsAreNamed() {
        final float[] gram = new float[9];
        final double[] diag = {1, 1, 1};
        assertMessage(() -> new GramThreshold(gram, 3, diag, 3, 4, 1), "s (4)");
        assertMessage(() -> new GramThreshold(gram, 2, diag, 3, 1, 1), "ld (2)");
        assertMessage(() -> new GramThreshold(gram, 3, new double[]{1, -1, 1}, 3, 1, 1), "inverseDiagonal[1]");
        assertMessage(() -> new GramThreshold(gram, 3, diag, 3, 1, -1), "refitSteps");
    }
}
