package io.github.cospadi;

import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.util.SplittableRandom;

/** Seeded random inputs for the tests. */
public final class TestData {
    private TestData() {}

    public static double gaussian(SplittableRandom random) {
        return io.github.cospadi.internal.Randoms.gaussian(random);
    }

    public static FMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        final FMatrixRMaj m = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = (float) gaussian(random);
        return m;
    }

    /** Activations (tokens × features) with correlated, unevenly scaled features, like real layer inputs. */
    public static FMatrixRMaj activations(int tokens, int features, SplittableRandom random) {
        final FMatrixRMaj mix = gaussian(features, features, random);
        final FMatrixRMaj z = gaussian(tokens, features, random);
        final FMatrixRMaj x = new FMatrixRMaj(tokens, features);
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < features; j++) {
                double v = 0;
                for (int p = 0; p < features; p++) v += z.data[t * features + p] * mix.data[p * features + j] / Math.sqrt(1 + p);
                x.data[t * features + j] = (float) (v * (1 + j % 3));
            }
        }
        return x;
    }

    /** Asserts that {@code e} throws an IllegalArgumentException whose message contains {@code fragment}. */
    public static void assertMessage(org.junit.jupiter.api.function.Executable e, String fragment) {
        final IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
        org.junit.jupiter.api.Assertions.assertTrue(ex.getMessage().contains(fragment),
                () -> "message '" + ex.getMessage() + "' lacks '" + fragment + "'");
    }

    /** XᵀX in double. */
    public static DMatrixRMaj gram(FMatrixRMaj x) {
        final int d = x.numCols;
        final DMatrixRMaj g = new DMatrixRMaj(d, d);
        for (int t = 0; t < x.numRows; t++) {
            for (int i = 0; i < d; i++) {
                final double xi = x.data[t * d + i];
                for (int j = 0; j < d; j++) g.data[i * d + j] += xi * x.data[t * d + j];
            }
        }
        return g;
    }

    /** ‖X·Aᵀ‖_F² for X (tokens × d1) and A (d2 × d1), computed explicitly in double. */
    public static double outputNormSquared(FMatrixRMaj x, FMatrixRMaj a) {
        final int d1 = x.numCols;
        double sum = 0;
        for (int t = 0; t < x.numRows; t++) {
            for (int j = 0; j < a.numRows; j++) {
                double v = 0;
                for (int p = 0; p < d1; p++) v += (double) x.data[t * d1 + p] * a.data[j * d1 + p];
                sum += v * v;
            }
        }
        return sum;
    }

    public static FMatrixRMaj subtract(FMatrixRMaj a, FMatrixRMaj b) {
        final FMatrixRMaj c = new FMatrixRMaj(a.numRows, a.numCols);
        for (int i = 0; i < c.data.length; i++) c.data[i] = a.data[i] - b.data[i];
        return c;
    }

    /**
     * A planted union of subspaces: W (n × m, PyTorch layout) whose rows are s-sparse combinations of k random unit
     * atoms in R^m. Returns the weight; the atoms go to {@code atomsOut} (m × k) when non-null.
     */
    public static FMatrixRMaj unionOfSubspaces(int m, int n, int k, int s, SplittableRandom random, FMatrixRMaj atomsOut) {
        final FMatrixRMaj atoms = gaussian(m, k, random);
        for (int c = 0; c < k; c++) {
            double norm = 0;
            for (int r = 0; r < m; r++) norm += atoms.get(r, c) * atoms.get(r, c);
            for (int r = 0; r < m; r++) atoms.set(r, c, (float) (atoms.get(r, c) / Math.sqrt(norm)));
        }
        final FMatrixRMaj w = new FMatrixRMaj(n, m);
        for (int j = 0; j < n; j++) {
            final int[] support = random.ints(0, k).distinct().limit(s).toArray();
            for (int i : support) {
                final double coef = (random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble());
                for (int r = 0; r < m; r++) w.data[j * m + r] += (float) (coef * atoms.get(r, i));
            }
        }
        if (atomsOut != null) atomsOut.setTo(atoms);
        return w;
    }
}
