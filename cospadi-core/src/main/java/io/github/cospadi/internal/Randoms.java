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
}
