package io.github.cospadi.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/** The byte-level vocabulary of the project's tiny Llama: token id = UTF-8 byte (0–255), no special tokens. */
public final class ByteTokenizer implements Tokenizer {
    public static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {}

    /** The UTF-8 bytes of {@code text} (there are no special tokens: {@code parseSpecial} changes nothing). */
    @Override
    public int[] encode(String text, boolean parseSpecial) {
        final byte[] b = text.getBytes(StandardCharsets.UTF_8);
        final int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        final byte[] b = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 255) throw new IllegalArgumentException("token id " + ids[i] + " at " + i + " is not a byte (0-255)");
            b[i] = (byte) ids[i];
        }
        return b;
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public String token(int id) {
        return decode(new int[]{id});
    }

    @Override
    public OptionalInt id(String token) {
        final byte[] b = token.getBytes(StandardCharsets.UTF_8);
        return b.length == 1 ? OptionalInt.of(b[0] & 0xff) : OptionalInt.empty();
    }

    @Override
    public OptionalInt bos() {
        return OptionalInt.empty();
    }

    @Override
    public OptionalInt eos() {
        return OptionalInt.empty();
    }
}
