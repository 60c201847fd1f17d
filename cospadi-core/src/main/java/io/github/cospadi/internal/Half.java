package io.github.cospadi.internal;

/**
 * IEEE binary16 (F16) and bfloat16 (BF16) conversions, written out because {@code Float.float16ToFloat} needs
 * JDK 20. Float → half rounds to nearest, ties to even; NaN stays NaN; overflow becomes infinity.
 */
public final class Half {
    private Half() {}

    /** The float value of F16 bits (low 16 bits of {@code bits}). */
    public static float f16ToFloat(int bits) {
        final int sign = (bits & 0x8000) << 16;
        final int exp = (bits >>> 10) & 0x1f;
        final int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
        if (mant == 0) return Float.intBitsToFloat(sign); // ±0
        // subnormal: mant · 2^-24, exact in float
        final float v = mant * 0x1p-24f;
        return sign != 0 ? -v : v;
    }

    /** F16 bits of a float, round to nearest even. */
    public static short floatToF16(float value) {
        final int f = Float.floatToRawIntBits(value);
        final int sign = (f >>> 16) & 0x8000;
        final int exp = (f >>> 23) & 0xff;
        int mant = f & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0)); // inf / NaN (quiet)
        final int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00); // overflow
        if (e <= 0) {
            if (e < -10) return (short) sign; // underflows to ±0 (|v| < 2^-25 rounds to 0)
            mant |= 0x800000; // implicit bit
            final int shift = 14 - e; // 14..24
            int half = mant >>> shift;
            final int rem = mant & ((1 << shift) - 1);
            final int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int h = (e << 10) | (mant >>> 13);
        final int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) h++; // may carry into the exponent: still correct
        return (short) (sign | h);
    }

    /** The float value of BF16 bits. */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** BF16 bits of a float, round to nearest even. */
    public static short floatToBf16(float value) {
        final int f = Float.floatToRawIntBits(value);
        if ((f & 0x7f800000) == 0x7f800000 && (f & 0x7fffff) != 0) return (short) ((f >>> 16) | 0x40); // quiet NaN
        final int rounding = 0x7fff + ((f >>> 16) & 1);
        return (short) ((f + rounding) >>> 16);
    }
}
