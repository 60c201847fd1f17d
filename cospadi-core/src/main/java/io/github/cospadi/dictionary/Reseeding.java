package io.github.cospadi.dictionary;

import java.util.Arrays;

/**
 * The re-seeding rule of the output-space learners (docs/design.md §5.6): every unused atom becomes the normalized
 * residual column E[:, j] of a channel with the largest G_jj·‖E[:, j]‖², in decreasing order, skipping zero columns.
 */
final class Reseeding {
    private Reseeding() {}

    /** Receives atom {@code atom} = E[:, channel] · {@code inv} (inv = 1/‖E[:, channel]‖). */
    @FunctionalInterface
    interface Seed {
        void set(int atom, int channel, double inv);
    }

    /**
     * @param e    the residual E (d2 × d1, row-major, double)
     * @param g    the Gram (d1 × d1, row-major); only its diagonal is read
     * @param used which of the atoms keep their place
     */
    static void reseed(double[] e, double[] g, int d2, int d1, boolean[] used, Seed seed) {
        final double[] err = new double[d1];
        for (int r = 0; r < d2; r++) for (int j = 0; j < d1; j++) err[j] += e[r * d1 + j] * e[r * d1 + j];
        final Integer[] byError = new Integer[d1];
        for (int j = 0; j < d1; j++) {
            byError[j] = j;
            err[j] *= g[j * d1 + j];
        }
        Arrays.sort(byError, (p, q) -> Double.compare(err[q], err[p]));
        int next = 0;
        for (int a = 0; a < used.length; a++) {
            if (used[a]) continue;
            while (next < d1) {
                final int j = byError[next++];
                double n2 = 0;
                for (int r = 0; r < d2; r++) n2 += e[r * d1 + j] * e[r * d1 + j];
                if (!(n2 > 0)) continue;
                seed.set(a, j, 1 / Math.sqrt(n2));
                break;
            }
        }
    }
}
