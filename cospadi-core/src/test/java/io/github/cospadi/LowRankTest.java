package io.github.cospadi;

import io.github.cospadi.common.Parallelism;

import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Gram-eigen truncated SVD against EJML's full SVD (the oracle, {@link LowRank#truncatedSvdReference}) on random
 * shapes — wide, tall, square, 1 × n, n × 1 — with decaying, rank-deficient, clustered and ill-conditioned spectra:
 * an orthonormal basis, the same projector U_r·U_rᵀ wherever σ_r is separated from σ_{r+1}, the same residual and
 * reconstruction error, codes = U_rᵀY, and bit-identical results for one and two threads.
 */
class LowRankTest {
    private static final String[] SPECTRA = {"gaussian", "decaying", "rank-deficient", "clustered", "ill-conditioned"};

    static LongStream seeds() {
        return LongStream.range(0, 60);
    }

    /** Y = A·diag(σ)·B with orthonormal-ish Gaussian factors (float), σ of the given kind. */
    static FMatrixRMaj target(String spectrum, int m, int n, SplittableRandom random) {
        final int p = Math.min(m, n);
        final double[] sigma = new double[p];
        final int rank = 1 + random.nextInt(p);
        for (int i = 0; i < p; i++) {
            sigma[i] = switch (spectrum) {
                case "gaussian" -> -1; // plain Gaussian entries below
                case "decaying" -> 1 / Math.sqrt(1 + i);
                case "rank-deficient" -> i < rank ? 1 + random.nextDouble() : 0;
                case "clustered" -> 1 + i % 3;
                case "ill-conditioned" -> Math.pow(10, -9.0 * i / Math.max(1, p - 1));
                default -> throw new IllegalArgumentException(spectrum);
            };
        }
        final FMatrixRMaj y = new FMatrixRMaj(m, n);
        if (sigma[0] < 0) {
            for (int i = 0; i < y.data.length; i++) y.data[i] = (float) TestData.gaussian(random);
            return y;
        }
        final double[] a = io.github.cospadi.internal.SymmetricEigenTest.orthogonal(m, random);
        final double[] b = io.github.cospadi.internal.SymmetricEigenTest.orthogonal(n, random);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int c = 0; c < p; c++) v += a[i * m + c] * sigma[c] * b[c * n + j];
                y.data[i * n + j] = (float) v;
            }
        }
        return y;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithEjmlSvd(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final String spectrum = SPECTRA[(int) (seed % SPECTRA.length)];
        final int m, n;
        switch ((int) (seed / SPECTRA.length % 4)) {
            case 0 -> { m = 1; n = 1 + random.nextInt(40); }
            case 1 -> { m = 1 + random.nextInt(40); n = 1; }
            default -> { m = 1 + random.nextInt(120); n = 1 + random.nextInt(120); }
        }
        final int p = Math.min(m, n);
        final int r = 1 + random.nextInt(p);
        final FMatrixRMaj y = target(spectrum, m, n, random);
        final String where = "seed " + seed + " (" + spectrum + ", " + m + "x" + n + ", r=" + r + ")";
        final LowRank.Factors fast = LowRank.truncatedSvd(y, r);
        final LowRank.Factors ref = LowRank.truncatedSvdReference(y, r);
        double energy = 0;
        for (float v : y.data) energy += (double) v * v;
        final double tol = 1e-9 * Math.max(energy, Double.MIN_NORMAL);
        assertEquals(ref.residual(), fast.residual(), tol + 1e-7 * ref.residual(), where + ": residual");
        // the actual reconstruction error ‖Y − U·C‖² equals the reported residual
        assertEquals(ref.residual(), reconstructionError(y, fast), tol + 1e-5 * ref.residual(), where + ": reconstruction");
        final float[] u = fast.basis().data;
        for (int c = 0; c < r; c++) {
            for (int q = 0; q <= c; q++) {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += (double) u[i * r + c] * u[i * r + q];
                assertEquals(c == q ? 1 : 0, dot, 1e-6, where + ": basis columns " + c + ", " + q);
            }
        }
        // codes = Uᵀ·Y
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < r; c++) {
                double v = 0;
                for (int i = 0; i < m; i++) v += (double) u[i * r + c] * y.data[i * n + j];
                assertEquals(v, fast.codes().values()[j * r + c], 1e-5 * Math.sqrt(energy) + 1e-30, where + ": code (" + c + ", " + j + ")");
            }
        }
        // the projector U·Uᵀ is EJML's when σ_r is well separated from σ_{r+1}
        final double[] s = singularValuesSquared(y, p);
        if (r < p && s[r - 1] - s[r] > 1e-3 * s[0]) {
            final float[] v = ref.basis().data;
            double diff = 0;
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    double a = 0, b = 0;
                    for (int c = 0; c < r; c++) {
                        a += (double) u[i * r + c] * u[k * r + c];
                        b += (double) v[i * r + c] * v[k * r + c];
                    }
                    diff = Math.max(diff, Math.abs(a - b));
                }
            }
            assertTrue(diff < 1e-5, where + ": projector differs from EJML's by " + diff);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void threadCountDoesNotChangeTheResult(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 1 + random.nextInt(200), n = 1 + random.nextInt(200);
        final int r = 1 + random.nextInt(Math.min(m, n));
        final FMatrixRMaj y = target(SPECTRA[(int) (seed % SPECTRA.length)], m, n, random);
        final LowRank.Factors one = LowRank.truncatedSvd(y, r, Parallelism.sequential());
        final LowRank.Factors two = LowRank.truncatedSvd(y, r, Parallelism.threads(2));
        assertArrayEquals(one.basis().data, two.basis().data, 0, "seed " + seed);
        assertArrayEquals(one.codes().values(), two.codes().values(), 0, "seed " + seed);
        assertEquals(one.residual(), two.residual(), 0, "seed " + seed);
    }

    private static double[] singularValuesSquared(FMatrixRMaj y, int p) {
        final org.ejml.data.DMatrixRMaj a = io.github.cospadi.internal.DenseOps.toDouble(y);
        final double[] s = org.ejml.dense.row.SingularOps_DDRM.singularValues(a);
        java.util.Arrays.sort(s);
        final double[] out = new double[p];
        for (int i = 0; i < p; i++) out[i] = s[s.length - 1 - i] * s[s.length - 1 - i];
        return out;
    }

    private static double reconstructionError(FMatrixRMaj y, LowRank.Factors f) {
        final int m = y.numRows, n = y.numCols, r = f.basis().numCols;
        double err = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = y.data[i * n + j];
                for (int c = 0; c < r; c++) v -= (double) f.basis().data[i * r + c] * f.codes().values()[j * r + c];
                err += v * v;
            }
        }
        return err;
    }
}
