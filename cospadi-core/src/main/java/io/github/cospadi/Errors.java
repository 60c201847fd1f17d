package io.github.cospadi;

import io.github.cospadi.common.Parallelism;

import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/** The relative errors of {@link CompressionReport} (docs/design.md §2). */
final class Errors {
    /** Rows of W per block of the functional-error product; each block reads the Gram once. */
    private static final int ROW_BLOCK = 16;
    /** Rows of G·[Δᵀ | Wᵀ] per parallel block (a multiple of the GEMM kernel's row tile). */
    private static final int GEMM_ROWS = 32;

    private Errors() {}

    static double relativeWeightError(FMatrixRMaj w, FMatrixRMaj approx) {
        double num = 0, den = 0;
        for (int i = 0; i < w.data.length; i++) {
            final double d = (double) w.data[i] - approx.data[i];
            num += d * d;
            den += (double) w.data[i] * w.data[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /**
     * sqrt(Σ_j δ_jᵀGδ_j / Σ_j w_jᵀGw_j) over the rows w_j of W (d2 × d1) and δ_j of W − Ŵ, through one float GEMM
     * G·[Δᵀ | Wᵀ] on the register-tiled kernel (G is symmetric, so it serves as its own transpose) with the final
     * contractions in double: d1²·2d2 multiply-adds at GEMM speed instead of double dot products (20 s → 2 s at
     * d1 = 8192, d2 = 2048). Relative accuracy about 1e-5; {@link #relativeFunctionalErrorExact} is the double twin.
     */
    static double relativeFunctionalError(FMatrixRMaj w, FMatrixRMaj approx, DMatrixRMaj gram, Parallelism parallelism) {
        return relativeFunctionalError(w, approx, gram, Double.NaN, parallelism);
    }

    /**
     * As above with a known denominator tr(W·G·Wᵀ) (NaN: compute it). The compressor knows it for free: with
     * LᵀL = G + δI it is ‖W_L‖² − δ‖W‖², so only G·Δᵀ needs the GEMM.
     */
    static double relativeFunctionalError(FMatrixRMaj w, FMatrixRMaj approx, DMatrixRMaj gram, double denominator,
                                          Parallelism parallelism) {
        final boolean both = Double.isNaN(denominator);
        final int d2 = w.numRows, d1 = w.numCols, n = both ? 2 * d2 : d2;
        final float[] g = io.github.cospadi.internal.DenseOps.toFloat(gram.data);
        final float[] b = new float[d1 * n]; // [Δᵀ | Wᵀ] or Δᵀ, d1 × n
        for (int j = 0; j < d2; j++) {
            for (int p = 0; p < d1; p++) {
                final float wv = w.data[j * d1 + p];
                b[p * n + j] = (float) ((double) wv - approx.data[j * d1 + p]);
                if (both) b[p * n + d2 + j] = wv;
            }
        }
        final float[] c = new float[d1 * n];
        final int blocks = (d1 + GEMM_ROWS - 1) / GEMM_ROWS;
        final double[] num = new double[blocks], den = new double[blocks];
        parallelism.forEachBlock(d1, GEMM_ROWS, (from, to) -> {
            FloatOps.get().gemmTransposedA(g, d1, b, n, c, from, to);
            double nsum = 0, dsum = 0;
            for (int i = from; i < to; i++) {
                for (int j = 0; j < d2; j++) nsum += (double) b[i * n + j] * c[i * n + j];
                if (both) for (int j = d2; j < n; j++) dsum += (double) b[i * n + j] * c[i * n + j];
            }
            num[from / GEMM_ROWS] = nsum;
            den[from / GEMM_ROWS] = dsum;
        });
        double nn = 0, dd = 0;
        for (int q = 0; q < blocks; q++) {
            nn += num[q];
            dd += den[q];
        }
        if (!both) dd = denominator;
        if (!(dd > 0)) return nn > 0 ? Double.POSITIVE_INFINITY : 0;
        return Math.sqrt(Math.max(nn, 0) / dd);
    }

    /** The double-precision twin of {@link #relativeFunctionalError}: δ_jᵀGδ_j by dot products in double. */
    static double relativeFunctionalErrorExact(FMatrixRMaj w, FMatrixRMaj approx, DMatrixRMaj gram, Parallelism parallelism) {
        final int d2 = w.numRows, d1 = w.numCols;
        final int blocks = (d2 + ROW_BLOCK - 1) / ROW_BLOCK;
        final double[] num = new double[blocks], den = new double[blocks];
        parallelism.forEachBlock(d2, ROW_BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final int rowsInBlock = to - from;
            final double[][] delta = new double[rowsInBlock][d1], orig = new double[rowsInBlock][d1];
            for (int b = 0; b < rowsInBlock; b++) {
                final int off = (from + b) * d1;
                for (int p = 0; p < d1; p++) {
                    orig[b][p] = w.data[off + p];
                    delta[b][p] = (double) w.data[off + p] - approx.data[off + p];
                }
            }
            double nsum = 0, dsum = 0;
            for (int i = 0; i < d1; i++) {
                for (int b = 0; b < rowsInBlock; b++) {
                    nsum += delta[b][i] * ops.dot(gram.data, i * d1, delta[b], 0, d1);
                    dsum += orig[b][i] * ops.dot(gram.data, i * d1, orig[b], 0, d1);
                }
            }
            num[from / ROW_BLOCK] = nsum;
            den[from / ROW_BLOCK] = dsum;
        });
        double n = 0, d = 0;
        for (int b = 0; b < blocks; b++) {
            n += num[b];
            d += den[b];
        }
        if (!(d > 0)) return n > 0 ? Double.POSITIVE_INFINITY : 0;
        return Math.sqrt(Math.max(n, 0) / d);
    }
}
