package io.github.cospadi.dictionary;

/**
 * What the two fast learners' extrapolations share (docs/design.md §5 item 4, §5.7): the step rule for β and the
 * extrapolation of the atoms (in either learner's layout) and of the code values on the current supports. Each learner
 * evaluates the point itself.
 */
final class ExtrapolationStep {
    /** β starts here, grows by GROW after a kept point, halves after a rejected one, within [MIN, MAX]. */
    static final double START = 0.5, GROW = 1.5, MAX = 4, MIN = 1.0 / 64;

    private ExtrapolationStep() {}

    /** The next β after a point was kept or rejected (Ang and Gillis 2019's rule for alternating least squares). */
    static double nextBeta(double beta, boolean kept) {
        return kept ? Math.min(beta * GROW, MAX) : Math.max(beta / 2, MIN);
    }

    /**
     * out = current + β·(current − previous) for each of k atoms of {@code length} entries (atom a's entry r at
     * a·atomStride + r·entryStride in all three arrays), each atom then scaled to unit norm with its norm in scale[a]
     * (the codes take the scale). Returns false, with {@code out} partly written, when an atom's norm is zero or not
     * finite.
     */
    static boolean extrapolateAtoms(float[] current, float[] previous, float[] out, double beta, double[] scale, int k, int length,
                                    int atomStride, int entryStride) {
        for (int a = 0; a < k; a++) {
            double norm = 0;
            for (int r = 0; r < length; r++) {
                final int i = a * atomStride + r * entryStride;
                final float x = (float) (current[i] + beta * (current[i] - previous[i]));
                out[i] = x;
                norm += (double) x * x;
            }
            norm = Math.sqrt(norm);
            if (!(norm > 0) || !Double.isFinite(norm)) return false;
            scale[a] = norm;
            final double inv = 1 / norm;
            for (int r = 0; r < length; r++) {
                final int i = a * atomStride + r * entryStride;
                out[i] = (float) (out[i] * inv);
            }
        }
        return true;
    }

    /**
     * values[q] = (current[q] + β·(current[q] − previous value of the same atom in the same column, or 0))·scale[row]
     * for the column-major code slots (column j at j·s .. j·s+s−1) of {@code columns} columns over k atoms: the values
     * on the current supports, an entry new to a support extrapolated from 0, each rescaled by its atom's norm.
     */
    static void extrapolateValues(int[] rows, float[] current, float[] values, int[] previousRows, float[] previousValues,
                                  double beta, double[] scale, int k, int columns, int s) {
        final float[] old = new float[k];
        for (int j = 0; j < columns; j++) {
            for (int q = j * s; q < (j + 1) * s; q++) old[previousRows[q]] = previousValues[q];
            for (int q = j * s; q < (j + 1) * s; q++) {
                final int a = rows[q];
                values[q] = (float) ((current[q] + beta * (current[q] - old[a])) * scale[a]);
            }
            for (int q = j * s; q < (j + 1) * s; q++) old[previousRows[q]] = 0;
        }
    }
}
