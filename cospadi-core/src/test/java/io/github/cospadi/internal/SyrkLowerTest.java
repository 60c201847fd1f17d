package io.github.cospadi.internal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link FloatOps#syrkLower}: the chosen implementation (the Vector API twin under surefire) is bit-identical to the scalar
 * twin, which is checked against the definition; neither touches what it must not; row splits and token splits give
 * the same bits.
 */
class SyrkLowerTest {
    private static final FloatOps FAST = FloatOps.get(), SCALAR = FloatOps.scalar();

    /** Seeds 0..59 draw random shapes; seeds 60.. pin edge cases: d = 1, one token, both, and d = tile ± 1. */
    static LongStream seeds() {
        return LongStream.range(0, 72);
    }

    /** {d, tokens} for a seed: edge cases first, then random sizes (d up to 200, tokens up to 300, past 128). */
    private static int[] shape(long seed, SplittableRandom random) {
        final int[][] pinned = {{1, 1}, {1, 37}, {5, 1}, {1, 300}, {7, 129}, {8, 128}, {9, 3}, {15, 17}, {16, 256}, {17, 255},
                {33, 1}, {64, 130}};
        if (seed >= 60) return pinned[(int) (seed - 60)];
        final int d = random.nextInt(4) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(40);
        return new int[]{d, 1 + random.nextInt(300)};
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theFastTwinIsBitIdenticalToTheScalarOneAndBothFollowTheDefinition(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] shape = shape(seed, random);
        final int d = shape[0], tokens = shape[1];
        final double[] x = randomDoubles(tokens * d, random);
        final int iFrom = random.nextInt(d + 1), iTo = iFrom + random.nextInt(d - iFrom + 1);
        final double[] g0 = randomDoubles(d * d, random);
        final double[] slow = g0.clone(), fast = g0.clone();
        SCALAR.syrkLower(x, tokens, d, slow, iFrom, iTo);
        FAST.syrkLower(x, tokens, d, fast, iFrom, iTo);
        final String where = "seed " + seed + " (d=" + d + ", tokens=" + tokens + ", rows " + iFrom + ".." + iTo + ")";
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                final int e = i * d + j;
                if (Double.compare(slow[e], fast[e]) != 0) {
                    fail(where + ": G(" + i + "," + j + ") = " + fast[e] + " but the scalar twin gives " + slow[e]);
                }
                if (i < iFrom || i >= iTo || j > i) {
                    if (Double.compare(g0[e], slow[e]) != 0) fail(where + ": G(" + i + "," + j + ") outside the rows' lower triangle was written");
                } else {
                    // the fma chain against a plain double sum: the same terms, rounding at most 2·tokens times
                    double sum = g0[e], magnitude = Math.abs(g0[e]);
                    for (int t = 0; t < tokens; t++) {
                        sum += x[t * d + i] * x[t * d + j];
                        magnitude += Math.abs(x[t * d + i] * x[t * d + j]);
                    }
                    final double bound = 4 * (tokens + 1) * 0x1p-53 * magnitude;
                    if (!(Math.abs(sum - slow[e]) <= bound)) fail(where + ": G(" + i + "," + j + ") = " + slow[e] + ", plain sum " + sum);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void rowSplitsAndTokenSplitsGiveTheSameBits(long seed) {
        final SplittableRandom random = new SplittableRandom(1000 + seed);
        final int[] shape = shape(seed, random);
        final int d = shape[0], tokens = shape[1];
        final double[] x = randomDoubles(tokens * d, random);
        final double[] whole = randomDoubles(d * d, random), split = whole.clone();
        FAST.syrkLower(x, tokens, d, whole, 0, d);
        // rows in up to four random blocks, tokens in two calls (the second reads x from the cut on)
        final int cut = random.nextInt(tokens + 1);
        final double[] tail = java.util.Arrays.copyOfRange(x, cut * d, tokens * d);
        for (int[] part : new int[][]{{0, cut}, {1, tokens - cut}}) {
            final double[] xs = part[0] == 0 ? x : tail;
            int from = 0;
            while (from < d) {
                final int to = Math.min(d, from + 1 + random.nextInt(d));
                FAST.syrkLower(xs, part[1], d, split, from, to);
                from = to;
            }
        }
        assertArrayEquals(whole, split, 0, "seed " + seed + " (d=" + d + ", tokens=" + tokens + ", cut " + cut + ")");
    }

    /** Values in ±[0.5, 2) with full 53-bit mantissas, so every product rounds and fma differs from multiply-then-add. */
    private static double[] randomDoubles(int n, SplittableRandom random) {
        final double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (random.nextBoolean() ? 1 : -1) * (0.5 + 1.5 * random.nextDouble());
        return a;
    }
}
