package io.github.cospadi.models.tokenizer;

/**
 * GPT-2's reversible map between bytes and printable characters. The bytes that are printable Latin-1 characters
 * ({@code '!'..'~'}, {@code '¡'..'¬'}, {@code '®'..'ÿ'}) stand for themselves; the other 68 bytes (controls, space,
 * DEL, NBSP, soft hyphen), in increasing order, become U+0100, U+0101, …, U+0143. So the space 0x20 is {@code 'Ġ'}
 * (U+0120) and the newline 0x0A is {@code 'Ċ'} (U+010A). A byte-level vocabulary spells every token in this alphabet.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144]; // -1 where the character stands for no byte

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            final boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            final char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 if it is not in the byte-level alphabet. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** A byte-level token's bytes, or null if it has a character outside the alphabet. */
    static byte[] bytesOf(String token) {
        final byte[] out = new byte[token.length()];
        for (int i = 0; i < out.length; i++) {
            final int b = byteOf(token.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }

    /** The byte-level spelling of a byte sequence. */
    static String spell(byte[] bytes, int from, int to) {
        final char[] cs = new char[to - from];
        for (int i = from; i < to; i++) cs[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(cs);
    }
}
