package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import java.nio.ByteBuffer;

/**
 * Scalar dequantization of ggml blocks to float32, bit-identical to ggml's {@code dequantize_row_*} reference
 * functions and to gguf-py's {@code gguf.quants.dequantize}: every product and sum below is one float32 operation
 * in the order ggml and numpy evaluate it (Java float arithmetic is IEEE binary32 with round-to-nearest-even and
 * never fused, so e.g. Q4_1's {@code d·q + m} rounds twice, as numpy does). fp16 scales convert exactly
 * ({@link Half#f16ToFloat}).
 *
 * <p>Block layouts (little-endian; "f16" is an IEEE half, q the stored quant, y the output):
 * <ul>
 * <li>Q4_0 (32 elements, 18 bytes): f16 d, 16 bytes qs; y[j] = d·((qs[j] &amp; 15) − 8), y[j+16] = d·((qs[j] &gt;&gt; 4) − 8).
 * <li>Q4_1 (32, 20): f16 d, f16 m, 16 bytes qs; y[j] = d·(qs[j] &amp; 15) + m, y[j+16] = d·(qs[j] &gt;&gt; 4) + m.
 * <li>Q5_0 (32, 22): f16 d, u32 qh, 16 bytes qs; the fifth bit of element i is bit i of qh; y = d·(q − 16).
 * <li>Q5_1 (32, 24): f16 d, f16 m, u32 qh, 16 bytes qs; y = d·q + m.
 * <li>Q8_0 (32, 34): f16 d, 32 × i8 qs; y = d·q.
 * <li>Q4_K (256, 144): f16 d, f16 dmin, 12 bytes of eight 6-bit (scale, min) pairs, 128 bytes qs. Sub-block s of 32
 *     elements has d·scale_s and dmin·min_s (ggml's {@code get_scale_min_k4}); its quants are the low (s even) or
 *     high (s odd) nibbles of qs[32·(s/2) .. 32·(s/2)+31]; y = (d·scale_s)·q − (dmin·min_s).
 * <li>Q5_K (256, 176): as Q4_K with 32 bytes qh after the scales; the fifth bit of element l of sub-block s is bit s
 *     of qh[l].
 * <li>Q6_K (256, 210): 128 bytes ql, 64 bytes qh, 16 × i8 scales, f16 d. Element e = 128h + 64k + t (t &lt; 64) has
 *     low bits (ql[64h + t] &gt;&gt; 4k) &amp; 15; element e = 128h + 32s + l has high bits (qh[32h + l] &gt;&gt; 2s) &amp; 3;
 *     y = (d·scales[e/16])·(q − 32).
 * <li>Q8_K (256, 292): f32 d, 256 × i8 qs, 16 × i16 bsums (unused here); y = d·q.
 * </ul>
 * Package-private: reached through {@link GgufFile#readFloats}, which checks types and bounds; this class trusts its
 * arguments.
 */
final class GgmlDequantizer {
    private GgmlDequantizer() {}

    /**
     * Dequantizes {@code blocks} consecutive blocks of {@code type} starting at byte {@code at} of {@code src}
     * (little-endian; absolute reads, position untouched) into {@code out[o ..]}.
     */
    static void dequantize(GgmlType type, ByteBuffer src, int at, int blocks, float[] out, int o) {
        switch (type) {
            case F32: for (int i = 0; i < blocks; i++) out[o + i] = src.getFloat(at + 4 * i); break;
            case F16: for (int i = 0; i < blocks; i++) out[o + i] = Half.f16ToFloat(src.getShort(at + 2 * i)); break;
            case BF16: for (int i = 0; i < blocks; i++) out[o + i] = Half.bf16ToFloat(src.getShort(at + 2 * i)); break;
            case Q4_0: for (int b = 0; b < blocks; b++) q4_0(src, at + 18 * b, out, o + 32 * b); break;
            case Q4_1: for (int b = 0; b < blocks; b++) q4_1(src, at + 20 * b, out, o + 32 * b); break;
            case Q5_0: for (int b = 0; b < blocks; b++) q5_0(src, at + 22 * b, out, o + 32 * b); break;
            case Q5_1: for (int b = 0; b < blocks; b++) q5_1(src, at + 24 * b, out, o + 32 * b); break;
            case Q8_0: for (int b = 0; b < blocks; b++) q8_0(src, at + 34 * b, out, o + 32 * b); break;
            case Q4_K: for (int b = 0; b < blocks; b++) q4_k(src, at + 144 * b, out, o + 256 * b); break;
            case Q5_K: for (int b = 0; b < blocks; b++) q5_k(src, at + 176 * b, out, o + 256 * b); break;
            case Q6_K: for (int b = 0; b < blocks; b++) q6_k(src, at + 210 * b, out, o + 256 * b); break;
            case Q8_K: for (int b = 0; b < blocks; b++) q8_k(src, at + 292 * b, out, o + 256 * b); break;
            default: throw new AssertionError(type + " is not dequantizable");
        }
    }

    private static float f16(ByteBuffer src, int at) {
        return Half.f16ToFloat(src.getShort(at));
    }

    private static void q4_0(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p);
        for (int j = 0; j < 16; j++) {
            final int b = src.get(p + 2 + j) & 0xff;
            y[o + j] = d * ((b & 0xf) - 8);
            y[o + j + 16] = d * ((b >>> 4) - 8);
        }
    }

    private static void q4_1(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p), m = f16(src, p + 2);
        for (int j = 0; j < 16; j++) {
            final int b = src.get(p + 4 + j) & 0xff;
            y[o + j] = d * (b & 0xf) + m;
            y[o + j + 16] = d * (b >>> 4) + m;
        }
    }

    private static void q5_0(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p);
        final int qh = src.getInt(p + 2);
        for (int j = 0; j < 16; j++) {
            final int b = src.get(p + 6 + j) & 0xff;
            y[o + j] = d * (((b & 0xf) | ((qh >>> j) & 1) << 4) - 16);
            y[o + j + 16] = d * (((b >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - 16);
        }
    }

    private static void q5_1(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p), m = f16(src, p + 2);
        final int qh = src.getInt(p + 4);
        for (int j = 0; j < 16; j++) {
            final int b = src.get(p + 8 + j) & 0xff;
            y[o + j] = d * ((b & 0xf) | ((qh >>> j) & 1) << 4) + m;
            y[o + j + 16] = d * ((b >>> 4) | ((qh >>> (j + 16)) & 1) << 4) + m;
        }
    }

    private static void q8_0(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p);
        for (int j = 0; j < 32; j++) y[o + j] = d * src.get(p + 2 + j);
    }

    /** ggml's get_scale_min_k4: the 6-bit scale (low half of the result) and min (high half) of sub-block j. */
    static int scaleMin(ByteBuffer src, int scales, int j) {
        final int sc, m;
        if (j < 4) {
            sc = src.get(scales + j) & 63;
            m = src.get(scales + j + 4) & 63;
        } else {
            final int hi = src.get(scales + j + 4) & 0xff;
            sc = (hi & 0xf) | ((src.get(scales + j - 4) & 0xff) >>> 6) << 4;
            m = (hi >>> 4) | ((src.get(scales + j) & 0xff) >>> 6) << 4;
        }
        return sc | m << 16;
    }

    private static void q4_k(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p), dmin = f16(src, p + 2);
        final int qs = p + 16;
        for (int s = 0; s < 8; s++) {
            final int sm = scaleMin(src, p + 4, s);
            final float d1 = d * (sm & 0xffff), m1 = dmin * (sm >>> 16);
            final int shift = 4 * (s & 1), base = qs + 32 * (s >>> 1);
            for (int l = 0; l < 32; l++) y[o + 32 * s + l] = d1 * ((src.get(base + l) >>> shift) & 0xf) - m1;
        }
    }

    private static void q5_k(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p), dmin = f16(src, p + 2);
        final int qh = p + 16, qs = p + 48;
        for (int s = 0; s < 8; s++) {
            final int sm = scaleMin(src, p + 4, s);
            final float d1 = d * (sm & 0xffff), m1 = dmin * (sm >>> 16);
            final int shift = 4 * (s & 1), base = qs + 32 * (s >>> 1);
            for (int l = 0; l < 32; l++) {
                final int q = ((src.get(base + l) >>> shift) & 0xf) | ((src.get(qh + l) >>> s) & 1) << 4;
                y[o + 32 * s + l] = d1 * q - m1;
            }
        }
    }

    private static void q6_k(ByteBuffer src, int p, float[] y, int o) {
        final float d = f16(src, p + 208);
        final int ql = p, qh = p + 128, scales = p + 192;
        for (int e = 0; e < 256; e++) {
            final int h = e >>> 7, r = e & 127;
            final int low = (src.get(ql + 64 * h + (r & 63)) >>> (4 * (r >>> 6))) & 0xf;
            final int high = (src.get(qh + 32 * h + (r & 31)) >>> (2 * (r >>> 5))) & 3;
            final float dl = d * src.get(scales + (e >>> 4));
            y[o + e] = dl * ((low | high << 4) - 32);
        }
    }

    private static void q8_k(ByteBuffer src, int p, float[] y, int o) {
        final float d = src.getFloat(p);
        for (int j = 0; j < 256; j++) y[o + j] = d * src.get(p + 4 + j);
    }
}
