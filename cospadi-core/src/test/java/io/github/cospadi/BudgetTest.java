package io.github.cospadi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

class BudgetTest {

    @Test
    void matchesThePapersWorkedExample() {
        // paper.md §3: d1 = 4096, d2 = 12288 at gamma = 0.2, rho = 2
        final Budget effective = Budget.forRatio(4096, 12288, 0.2, 2, Budget.Accounting.EFFECTIVE);
        assertEquals(3932, effective.atoms());
        assertEquals(1966, effective.nonzerosPerColumn());
        final Budget full = Budget.forRatio(4096, 12288, 0.2, 2, Budget.Accounting.FULL);
        assertEquals(3657, full.atoms());
        assertEquals(1828, full.nonzerosPerColumn());
    }

    @Test
    void lowRankMatchesSvdLlm() {
        // SVD-LLM: r = int(d0*d1*ratio/(d0+d1)) with ratio = 1 - gamma
        final Budget b = Budget.lowRank(2048, 8192, 0.2);
        assertEquals((int) (2048 * 8192 * 0.8 / (2048 + 8192)), b.atoms());
        assertTrue(b.isLowRank());
    }

    @ParameterizedTest
    @CsvSource({"256,256,0.2", "256,704,0.3", "704,256,0.4", "256,128,0.5", "2048,8192,0.2", "17,5,0.3"})
    void achievedRatioIsAtLeastTheTarget(int d1, int d2, double gamma) {
        final Budget b = Budget.forRatio(d1, d2, gamma, 2, Budget.Accounting.EFFECTIVE);
        assertTrue(b.effectiveRatio() >= gamma - 1e-12, () -> b + " achieved " + b.effectiveRatio());
        assertTrue(b.atoms() <= d2);
        final Budget f = Budget.forRatio(d1, d2, gamma, 2, Budget.Accounting.FULL);
        assertTrue(f.fullRatio() >= gamma - 1e-12, () -> f + " achieved " + f.fullRatio());
        assertTrue(f.fullRatio() < f.effectiveRatio());
        final Budget r = Budget.lowRank(d1, d2, gamma);
        assertTrue(r.effectiveRatio() >= gamma - 1e-12);
    }

    static java.util.stream.LongStream seeds() {
        return java.util.stream.LongStream.range(0, 200);
    }

    /**
     * For any ρ the effective accounting is the compact layout's size (docs/format.md: 2·d1·k + k·d2/8 + 14·s·d2/8
     * bytes): the achieved ratio is at least γ and the layout's bytes are within one atom's bitmask row (Eq. 11's own
     * rounding) of what the ratio claims. At ρ = 2 nothing changes from Eq. 11.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("seeds")
    void effectiveAccountingIsTheCompactLayoutForEveryRho(long seed) {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        final int d1 = 16 + random.nextInt(2000), d2 = 16 + random.nextInt(2000);
        final double gamma = 0.1 + 0.5 * random.nextDouble(), rho = seed % 4 == 0 ? 2 : 1 + 4 * random.nextDouble();
        final Budget b = Budget.forRatio(d1, d2, gamma, rho, Budget.Accounting.EFFECTIVE);
        final String name = "seed " + seed + ": " + b + ", gamma " + gamma + ", rho " + rho;
        assertTrue(b.effectiveRatio() >= gamma - 1e-12, name + " achieved " + b.effectiveRatio());
        final double compactBytes = 2.0 * d1 * b.atoms() + b.atoms() * (double) d2 / 8 + 14.0 * b.nonzerosPerColumn() * d2 / 8;
        final double claimedBytes = 2 * (1 - b.effectiveRatio()) * d1 * d2;
        assertTrue(compactBytes <= claimedBytes + d2 / 8.0 + 1e-6 * claimedBytes, name + ": layout " + compactBytes + " bytes, claimed " + claimedBytes);
        if (rho == 2) {
            assertEquals(1 - ((double) d1 * b.atoms() + (double) b.nonzerosPerColumn() * d2) / ((double) d1 * d2), b.effectiveRatio(), 1e-15, name);
        }
    }

    @Test
    void rejectsImpossibleBudgetsNamingTheValues() {
        assertMessage(() -> Budget.forRatio(256, 256, 1.5, 2, Budget.Accounting.EFFECTIVE), "ratio (gamma) must be in (0, 1), got 1.5");
        assertMessage(() -> Budget.forRatio(256, 256, 0, 2, Budget.Accounting.EFFECTIVE), "got 0.0");
        assertMessage(() -> Budget.forRatio(256, 256, 0.2, 0.5, Budget.Accounting.EFFECTIVE), "rho = k/s");
        assertMessage(() -> Budget.forRatio(4, 4, 0.99, 2, Budget.Accounting.EFFECTIVE), "leaves no room");
        assertMessage(() -> new Budget(16, 16, 8, 9), "s=9) must not exceed atoms (k=8");
        assertMessage(() -> new Budget(16, 16, 17, 4), "atoms (k=17) beyond the matrix");
    }
}
