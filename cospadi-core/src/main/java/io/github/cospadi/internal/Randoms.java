package io.github.cospadi.internal;

import java.util.SplittableRandom;

/** Seeded random numbers shared by the library, its tools and its tests. */
public final class Randoms {
    private Randoms() {}

    /** A standard normal sample by the Box–Muller transform (one of the pair). */
    public static double gaussian(SplittableRandom random) {
        final double u1 = random.nextDouble(), u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A uniformly random permutation of 0..n−1 (Fisher–Yates, one {@code nextInt} per position but the last). */
    public static int[] permutation(int n, SplittableRandom random) {
        final int[] perm = new int[n];
        for (int j = 0; j < n; j++) perm[j] = j;
        for (int i = 0; i < n - 1; i++) {
            final int p = i + random.nextInt(n - i);
            final int tmp = perm[i];
            perm[i] = perm[p];
            perm[p] = tmp;
        }
        return perm;
    }
}
