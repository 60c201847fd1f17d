package io.github.cospadi.internal;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.*;

class HalfTest {

    /** Straightforward decoding of F16 bits: (-1)^s · 2^(e-15) · (1 + m/1024), or the subnormal/special forms. */
    static double referenceF16(int bits) {
        final int s = (bits >> 15) & 1, e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
        final double sign = s == 1 ? -1 : 1;
        if (e == 0x1f) return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        if (e == 0) return sign * m * Math.pow(2, -24);
        return sign * Math.pow(2, e - 15) * (1 + m / 1024.0);
    }

    @Test
    void everyF16PatternDecodesExactlyAndRoundTrips() {
        for (int bits = 0; bits < 65536; bits++) {
            final float f = Half.f16ToFloat(bits);
            final double expected = referenceF16(bits);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(f), "bits " + bits);
                assertTrue(Float.isNaN(Half.f16ToFloat(Half.floatToF16(f))), "bits " + bits);
                continue;
            }
            assertEquals(expected, f, 0.0, "bits " + bits);
            assertEquals(bits, Half.floatToF16(f) & 0xffff, "round trip of bits " + bits);
        }
    }

    @Test
    void everyBf16PatternRoundTrips() {
        for (int bits = 0; bits < 65536; bits++) {
            final float f = Half.bf16ToFloat(bits);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Half.bf16ToFloat(Half.floatToBf16(f))));
                continue;
            }
            assertEquals(bits, Half.floatToBf16(f) & 0xffff, "round trip of bits " + bits);
        }
    }

    /** Float → F16 picks the nearest representable value, ties to the even mantissa, for values between patterns. */
    @Test
    void f16RoundsToNearestEven() {
        for (int bits = 0; bits < 0x7bff; bits++) { // positive finite, excluding the largest
            final double lo = referenceF16(bits), hi = referenceF16(bits + 1);
            final double mid = (lo + hi) / 2;
            final float below = Math.nextDown((float) mid), above = Math.nextUp((float) mid);
            if ((double) below > lo) assertEquals(bits, Half.floatToF16(below), "just below the midpoint after " + bits);
            if ((double) above < hi) assertEquals(bits + 1, Half.floatToF16(above), "just above the midpoint after " + bits);
            if (new BigDecimal(mid).compareTo(new BigDecimal((float) mid)) == 0) { // the midpoint is a float
                assertEquals((bits & 1) == 0 ? bits : bits + 1, Half.floatToF16((float) mid), "tie after " + bits);
            }
        }
        assertEquals(0x7c00, Half.floatToF16(1e6f)); // overflow → infinity
        assertEquals(0, Half.floatToF16(1e-9f));     // underflow → +0
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(0x3f80, Half.floatToBf16(1.0f));
        assertEquals(0x3f80, Half.floatToBf16(Float.intBitsToFloat(0x3f808000))); // tie, even stays
        assertEquals(0x3f82, Half.floatToBf16(Float.intBitsToFloat(0x3f818000))); // tie, odd rounds up
        assertEquals(0x3f81, Half.floatToBf16(Float.intBitsToFloat(0x3f808001)));
    }
}
