package io.github.cospadi.models.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link BpeTokenizer#utf8Lossy} against a slow definition built from Java's UTF-8 encoder alone: at each position
 * either the encoding of a code point, or one U+FFFD for the longest proper prefix of any code point's encoding (at
 * least one byte).
 */
class Utf8LossyTest {
    /** Proper prefixes (1..3 bytes) of the encodings of all code points, packed as length << 24 | bytes. */
    static final BitSet PREFIXES = new BitSet();

    @BeforeAll
    static void enumerate() {
        // a proper prefix leaves out at least the last byte, which holds the low 6 bits: one code point per 64 will do
        for (int c = 0; c <= Character.MAX_CODE_POINT; c += 64) {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) continue; // 64-aligned, skipped whole
            final byte[] e = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
            for (int len = 1; len < e.length; len++) PREFIXES.set(pack(e, 0, len));
        }
    }

    static int pack(byte[] b, int from, int len) {
        int v = len << 24;
        for (int k = 0; k < len; k++) v |= (b[from + k] & 0xFF) << (8 * (2 - k));
        return v;
    }

    static String slow(byte[] b) {
        final StringBuilder out = new StringBuilder();
        int i = 0;
        outer:
        while (i < b.length) {
            for (int len = 1; len <= 4 && i + len <= b.length; len++) {
                final byte[] candidate = java.util.Arrays.copyOfRange(b, i, i + len);
                final String s = new String(candidate, StandardCharsets.UTF_8);
                if (s.codePointCount(0, s.length()) == 1 && s.codePointAt(0) != 0xFFFD
                        && java.util.Arrays.equals(candidate, s.getBytes(StandardCharsets.UTF_8))) {
                    out.append(s);
                    i += len;
                    continue outer;
                }
            }
            int k = 0;
            for (int len = 1; len <= 3 && i + len <= b.length; len++) if (PREFIXES.get(pack(b, i, len))) k = len;
            out.append('\uFFFD');
            i += Math.max(k, 1);
        }
        return out.toString();
    }

    @Test
    void examplesFromPython() {
        assertEquals("a\uFFFD", BpeTokenizer.utf8Lossy(HexFormat.of().parseHex("61e282")));
        assertEquals("\uFFFD", BpeTokenizer.utf8Lossy(HexFormat.of().parseHex("f09f98")));
        assertEquals("\uFFFD\uFFFD\uFFFD", BpeTokenizer.utf8Lossy(HexFormat.of().parseHex("eda080"))); // an encoded surrogate
        assertEquals("€😀\uFFFD", BpeTokenizer.utf8Lossy(HexFormat.of().parseHex("e282acf09f9880ef")));
        assertEquals("\uFFFD", BpeTokenizer.utf8Lossy(new byte[]{(byte) 0xEF, (byte) 0xBF, (byte) 0xBD})); // U+FFFD itself
    }

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void agreesWithTheSlowDefinition(long seed) {
        final Random r = new Random(seed);
        final byte[] b = new byte[r.nextInt(40)];
        for (int i = 0; i < b.length; i++) {
            // mostly bytes near the interesting boundaries: leads, continuations, edges of the ranges
            final int[] pool = {0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE,
                    0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF};
            b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : pool[r.nextInt(pool.length)]);
        }
        assertEquals(slow(b), BpeTokenizer.utf8Lossy(b), "seed " + seed + ": " + HexFormat.of().formatHex(b));
    }
}
