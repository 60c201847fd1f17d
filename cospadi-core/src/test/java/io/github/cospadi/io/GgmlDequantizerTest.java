package io.github.cospadi.io;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hand-written blocks of every dequantizable type with their expected floats worked out by hand from the block
 * layouts of ggml-common.h / gguf-py (not from the code under test). Scales are powers of two or small fp16 values so
 * every expected value is exact. fp16 bits used: 0x3C00 = 1, 0x3800 = 0.5, 0x3400 = 0.25, 0x3000 = 0.125,
 * 0x4000 = 2, 0xBC00 = −1, 0xB800 = −0.5.
 */
class GgmlDequantizerTest {
    /** Little-endian bytes from ints (each taken mod 256). */
    static ByteBuffer bytes(int... b) {
        final ByteBuffer buf = ByteBuffer.allocate(b.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : b) buf.put((byte) x);
        return buf.flip();
    }

    static float[] run(GgmlType type, ByteBuffer block, int blocks) {
        assertEquals(blocks * type.blockBytes(), block.remaining(), "test block size");
        final float[] out = new float[blocks * type.blockSize() + 2];
        out[0] = 99f;
        out[out.length - 1] = 99f;
        GgmlDequantizer.dequantize(type, block, 0, blocks, out, 1);
        assertEquals(99f, out[0], "wrote before its range");
        assertEquals(99f, out[out.length - 1], "wrote after its range");
        return java.util.Arrays.copyOfRange(out, 1, out.length - 1);
    }

    static void assertBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    "element " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    /** 16 nibble bytes: qs[j] = j | (15 − j) << 4, so the low nibbles count up and the high ones down. */
    static int[] nibbles() {
        final int[] qs = new int[16];
        for (int j = 0; j < 16; j++) qs[j] = j | (15 - j) << 4;
        return qs;
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        final int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void plainTypes() {
        assertBits(new float[]{1f, -2.5f, Float.MIN_VALUE},
                run(GgmlType.F32, bytes(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0x01, 0, 0, 0), 3));
        // F16: 1, −2, 65504 (largest half), 2^-24 (smallest subnormal), +inf, −0
        assertBits(new float[]{1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, -0f},
                run(GgmlType.F16, bytes(0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x80), 6));
        // BF16: the high half of the float: 1, −3, −inf, 1.5·2^-126
        assertBits(new float[]{1f, -3f, Float.NEGATIVE_INFINITY, 0x1.8p-126f},
                run(GgmlType.BF16, bytes(0x80, 0x3f, 0x40, 0xc0, 0x80, 0xff, 0xc0, 0x00), 4));
    }

    @Test
    void q4_0() {
        // d = 0.5; y[j] = 0.5·(j − 8), y[j+16] = 0.5·((15 − j) − 8)
        final float[] expected = {-4, -3.5f, -3, -2.5f, -2, -1.5f, -1, -0.5f, 0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f,
                3.5f, 3, 2.5f, 2, 1.5f, 1, 0.5f, 0, -0.5f, -1, -1.5f, -2, -2.5f, -3, -3.5f, -4};
        assertBits(expected, run(GgmlType.Q4_0, bytes(concat(new int[]{0x00, 0x38}, nibbles())), 1));
        // a negative scale turns the zero quant into −0, as numpy's d·q does
        final float[] negative = run(GgmlType.Q4_0, bytes(concat(new int[]{0x00, 0xb8}, nibbles())), 1);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(negative[8]));
        assertEquals(4f, negative[0]); // −0.5·(0 − 8)
    }

    @Test
    void q4_1() {
        // d = 0.25, m = −1: y[j] = 0.25·j − 1, y[j+16] = 0.25·(15 − j) − 1
        final float[] expected = {-1, -0.75f, -0.5f, -0.25f, 0, 0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f, 1.75f, 2, 2.25f, 2.5f, 2.75f,
                2.75f, 2.5f, 2.25f, 2, 1.75f, 1.5f, 1.25f, 1, 0.75f, 0.5f, 0.25f, 0, -0.25f, -0.5f, -0.75f, -1};
        assertBits(expected, run(GgmlType.Q4_1, bytes(concat(new int[]{0x00, 0x34, 0x00, 0xbc}, nibbles())), 1));
    }

    @Test
    void q4_1SumRoundsToNearestEven() {
        // d = 1 + 2^-10 (0x3C01), q = 15 (all nibbles 0xff): d·q = 15 + 15·2^-10, exact in float (ulp 2^-20 there).
        // m = 3·2^-21 (the fp16 subnormal 0x0018) is 1.5 ulp: the sum is a tie between +1 and +2 ulp and rounds to
        // the even one, +2 ulp = 2^-19.
        final int[] qs = new int[16];
        java.util.Arrays.fill(qs, 0xff);
        final float[] y = run(GgmlType.Q4_1, bytes(concat(new int[]{0x01, 0x3c, 0x18, 0x00}, qs)), 1);
        for (float v : y) assertEquals(15.0146484375f + 0x1p-19f, v, 0f);
    }

    @Test
    void q5_0() {
        // d = 1, qh = 0x0000FFFF: elements 0..15 have the fifth bit, 16..31 not. y[j] = (j | 16) − 16 = j,
        // y[j+16] = (15 − j) − 16 = −1 − j
        final float[] expected = new float[32];
        final float[] first = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        final float[] second = {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16};
        System.arraycopy(first, 0, expected, 0, 16);
        System.arraycopy(second, 0, expected, 16, 16);
        assertBits(expected, run(GgmlType.Q5_0, bytes(concat(new int[]{0x00, 0x3c, 0xff, 0xff, 0x00, 0x00}, nibbles())), 1));
    }

    @Test
    void q5_1() {
        // d = 0.5, m = 2, qh = 0xFFFF0000: only elements 16..31 have the fifth bit. y[j] = 0.5·j + 2,
        // y[j+16] = 0.5·((15 − j) + 16) + 2 = 17.5 − 0.5·j
        final float[] expected = {2, 2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f, 8, 8.5f, 9, 9.5f,
                17.5f, 17, 16.5f, 16, 15.5f, 15, 14.5f, 14, 13.5f, 13, 12.5f, 12, 11.5f, 11, 10.5f, 10};
        assertBits(expected, run(GgmlType.Q5_1, bytes(concat(new int[]{0x00, 0x38, 0x00, 0x40, 0x00, 0x00, 0xff, 0xff}, nibbles())), 1));
    }

    @Test
    void q8_0TwoBlocks() {
        // block 0: d = 0.125, qs[j] = 8j − 128 (as int8) → y = j − 16; block 1: d = −1, qs[j] = j − 16 → y = 16 − j
        final int[] b0 = new int[34], b1 = new int[34];
        b0[0] = 0x00;
        b0[1] = 0x30;
        b1[0] = 0x00;
        b1[1] = 0xbc;
        for (int j = 0; j < 32; j++) {
            b0[2 + j] = 8 * j - 128;
            b1[2 + j] = j - 16;
        }
        final float[] expected = new float[64];
        for (int j = 0; j < 32; j++) {
            expected[j] = j - 16;
            expected[32 + j] = 16 - j;
        }
        expected[32 + 16] = -0f; // (−1)·0
        assertBits(expected, run(GgmlType.Q8_0, bytes(concat(b0, b1)), 2));
    }

    /** The 12 scale bytes used for Q4_K and Q5_K and the (scale, min) pairs they encode, decoded by hand. */
    static final int[] K_SCALES = {0x01, 0x42, 0x83, 0xc4, 0x05, 0x46, 0x87, 0xc8, 0x21, 0x32, 0x43, 0x54};
    // j < 4: scale = byte j & 63, min = byte j+4 & 63
    // j ≥ 4: scale = (byte j+4 & 15) | (byte j−4 >> 6) << 4, min = (byte j+4 >> 4) | (byte j >> 6) << 4
    static final int[] K_SC = {1, 2, 3, 4, 1 | 0 << 4, 2 | 1 << 4, 3 | 2 << 4, 4 | 3 << 4};   // 1, 2, 3, 4, 1, 18, 35, 52
    static final int[] K_MIN = {5, 6, 7, 8, 2 | 0 << 4, 3 | 1 << 4, 4 | 2 << 4, 5 | 3 << 4}; // 5, 6, 7, 8, 2, 19, 36, 53

    @Test
    void kScaleMinUnpacking() {
        final ByteBuffer b = bytes(K_SCALES);
        for (int j = 0; j < 8; j++) {
            final int sm = GgmlDequantizer.scaleMin(b, 0, j);
            assertEquals(K_SC[j], sm & 0xffff, "scale " + j);
            assertEquals(K_MIN[j], sm >>> 16, "min " + j);
        }
    }

    /** qs of Q4_K / Q5_K: byte 32g + l = n | (15 − n) << 4 with n = (l + g) mod 16. */
    static int[] kQuants() {
        final int[] qs = new int[128];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                final int n = (l + g) & 15;
                qs[32 * g + l] = n | (15 - n) << 4;
            }
        }
        return qs;
    }

    /** The 4-bit quant of element l of sub-block s for {@link #kQuants}: low nibble for even s, high for odd. */
    static int kQuant(int s, int l) {
        final int n = (l + s / 2) & 15;
        return s % 2 == 0 ? n : 15 - n;
    }

    @Test
    void q4_k() {
        // d = 1, dmin = 0.5: y = (1·sc_s)·q − 0.5·min_s, every value exact
        final float[] y = run(GgmlType.Q4_K, bytes(concat(new int[]{0x00, 0x3c, 0x00, 0x38}, K_SCALES, kQuants())), 1);
        for (int s = 0; s < 8; s++) {
            for (int l = 0; l < 32; l++) {
                assertEquals(K_SC[s] * kQuant(s, l) - 0.5f * K_MIN[s], y[32 * s + l], 0f, "sub-block " + s + " element " + l);
            }
        }
        assertEquals(-2.5f, y[0]);                 // sc 1, q 0, min 5
        assertEquals(52 * 12 - 26.5f, y[7 * 32]);  // sc 52, q = 15 − ((0 + 3) mod 16) = 12, min 53
    }

    @Test
    void q5_k() {
        // as Q4_K plus qh[l] = 0x0F for even l, 0xF0 for odd l: sub-blocks 0..3 get the fifth bit on even l,
        // sub-blocks 4..7 on odd l. d = 0.5, dmin = −1: y = (0.5·sc_s)·q + min_s
        final int[] qh = new int[32];
        for (int l = 0; l < 32; l++) qh[l] = l % 2 == 0 ? 0x0f : 0xf0;
        final float[] y = run(GgmlType.Q5_K, bytes(concat(new int[]{0x00, 0x38, 0x00, 0xbc}, K_SCALES, qh, kQuants())), 1);
        for (int s = 0; s < 8; s++) {
            for (int l = 0; l < 32; l++) {
                final int high = (s < 4) == (l % 2 == 0) ? 16 : 0;
                assertEquals(0.5f * K_SC[s] * (kQuant(s, l) + high) + K_MIN[s], y[32 * s + l], 0f, "sub-block " + s + " element " + l);
            }
        }
        assertEquals(0.5f * 16 + 5, y[0]); // sc 1, q = 0 + 16, −(−1·5)
    }

    @Test
    void q6_k() {
        // ql[i] = i mod 256 pattern, qh[i] = 0b11_10_01_00 ^ i, scales[i] = i − 8, d = 0.5. The expected values follow
        // ggml's reference loop (two halves of 128; for l < 32: y[l], y[l+32], y[l+64], y[l+96] from ql[l], ql[l+32]
        // low and high nibbles and the four 2-bit fields of qh[l]), a different formulation than the code under test.
        final int[] ql = new int[128], qh = new int[64], sc = new int[16];
        for (int i = 0; i < 128; i++) ql[i] = (i * 37 + 11) & 0xff;
        for (int i = 0; i < 64; i++) qh[i] = 0xe4 ^ i;
        for (int i = 0; i < 16; i++) sc[i] = i - 8;
        final float[] y = run(GgmlType.Q6_K, bytes(concat(ql, qh, sc, new int[]{0x00, 0x38})), 1);
        final float d = 0.5f;
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                final int is = l / 16, q = 64 * half, h = 32 * half, s = 8 * half;
                final int q1 = ((ql[q + l] & 0xf) | ((qh[h + l] >> 0) & 3) << 4) - 32;
                final int q2 = ((ql[q + l + 32] & 0xf) | ((qh[h + l] >> 2) & 3) << 4) - 32;
                final int q3 = ((ql[q + l] >> 4) | ((qh[h + l] >> 4) & 3) << 4) - 32;
                final int q4 = ((ql[q + l + 32] >> 4) | ((qh[h + l] >> 6) & 3) << 4) - 32;
                final int base = 128 * half;
                assertEquals(d * sc[s + is] * q1, y[base + l], 0f, "y[" + (base + l) + "]");
                assertEquals(d * sc[s + is + 2] * q2, y[base + l + 32], 0f, "y[" + (base + l + 32) + "]");
                assertEquals(d * sc[s + is + 4] * q3, y[base + l + 64], 0f, "y[" + (base + l + 64) + "]");
                assertEquals(d * sc[s + is + 6] * q4, y[base + l + 96], 0f, "y[" + (base + l + 96) + "]");
            }
        }
        // one by hand: y[0] = 0.5·(−8)·(((11 & 15) | (0xe4 & 3) << 4) − 32) = −4·(11 − 32) = 84
        assertEquals(84f, y[0]);
    }

    @Test
    void q8_k() {
        // f32 d = 0.25, qs[j] = j − 128 → y = 0.25·(j − 128); the 32 bsum bytes are ignored
        final int[] block = new int[292];
        block[2] = 0x80;
        block[3] = 0x3e;
        for (int j = 0; j < 256; j++) block[4 + j] = j - 128;
        for (int j = 260; j < 292; j++) block[j] = 0x5a;
        final float[] y = run(GgmlType.Q8_K, bytes(block), 1);
        for (int j = 0; j < 256; j++) assertEquals(0.25f * (j - 128), y[j], 0f, "element " + j);
        assertEquals(-32f, y[0]);
        assertEquals(31.75f, y[255]);
    }

    @Test
    void readsAtAnOffsetInsideTheBuffer() {
        final int[] padded = concat(new int[]{1, 2, 3}, new int[]{0x00, 0x38}, nibbles());
        final ByteBuffer b = bytes(padded);
        final float[] out = new float[32];
        GgmlDequantizer.dequantize(GgmlType.Q4_0, b, 3, 1, out, 0);
        assertEquals(-4f, out[0]);
        assertEquals(0, b.position(), "absolute reads leave the position");
    }

    @Test
    void typeTable() {
        assertEquals(java.util.List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
                GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K, GgmlType.BF16), GgmlType.dequantizable());
        assertEquals(GgmlType.Q2_K, GgmlType.of(10, "x"));
        assertEquals(30, GgmlType.BF16.id());
        assertEquals(84, GgmlType.Q2_K.blockBytes());
        assertEquals(4 * 34, GgmlType.Q8_0.bytes(128));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GgmlType.of(31, "tensor 'x'")).getMessage().contains("Q4_0_4_4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GgmlType.of(99, "tensor 'x'")).getMessage().contains("unknown ggml type id 99"));
    }
}
