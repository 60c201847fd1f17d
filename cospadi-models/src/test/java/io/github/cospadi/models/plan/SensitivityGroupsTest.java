package io.github.cospadi.models.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The perturbation groups of the banded sensitivities: one type per group, consecutive layers, a partition. */
class SensitivityGroupsTest {

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void groupsPartitionTheProjectionsIntoBandsOfOneType(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final int layers = 1 + r.nextInt(40), perLayer = 1 + r.nextInt(8), bands = 1 + r.nextInt(50);
        final String c = "seed " + seed + " (layers " + layers + ", types " + perLayer + ", bands " + bands + ")";
        final List<int[]> groups = Sensitivity.groups(layers, perLayer, bands);
        final int b = Math.min(bands, layers);
        assertEquals(b * perLayer, groups.size(), c);
        final int[] seen = new int[layers * perLayer];
        int minSize = Integer.MAX_VALUE, maxSize = 0;
        for (int[] g : groups) {
            assertTrue(g.length >= 1, c + ": an empty group");
            minSize = Math.min(minSize, g.length);
            maxSize = Math.max(maxSize, g.length);
            for (int j = 0; j < g.length; j++) {
                seen[g[j]]++;
                assertEquals(g[0] % perLayer, g[j] % perLayer, c + ": one type per group");
                if (j > 0) assertEquals(g[j - 1] / perLayer + 1, g[j] / perLayer, c + ": consecutive layers");
            }
        }
        for (int i = 0; i < seen.length; i++) assertEquals(1, seen[i], c + ": projection " + i + " in " + seen[i] + " groups");
        assertTrue(maxSize - minSize <= 1, c + ": bands of " + minSize + " to " + maxSize + " layers");
    }
}
