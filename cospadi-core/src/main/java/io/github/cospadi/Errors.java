package io.github.cospadi;

import io.github.cospadi.internal.FloatOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/** The relative errors of {@link CompressionReport} (docs/design.md §2). */
final class Errors {
    /** Rows of W per block of the functional-error product; each block reads the Gram once. */
    private static final int ROW_BLOCK = 16;

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

    /** sqrt(Σ_j δ_jᵀGδ_j / Σ_j w_jᵀGw_j) over the rows w_j of W (d2 × d1) and δ_j of W − Ŵ. */
    static double relativeFunctionalError(FMatrixRMaj w, FMatrixRMaj approx, DMatrixRMaj gram, Parallelism parallelism) {
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
