package io.github.cospadi.models.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A hand-made byte-level vocabulary: ids 0..255 are the bytes (id b is the character of byte b), then merged tokens
 * and added tokens. The merges and their ranks are small enough to check encodings by hand.
 */
final class TinyVocab {
    static final List<String> MERGES = List.of(
            "Ġ t",    // 0
            "h e",    // 1
            "Ġt he",  // 2
            "i n",    // 3
            "a a",    // 4
            "aa aa",  // 5
            "Ġ Ġ",    // 6
            "e r",    // 7
            "h er");  // 8
    /** Added tokens and their GGUF types: 3 control, 4 user-defined. */
    static final List<String> ADDED = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<user>", "[A]", "[A][B]");
    static final int[] ADDED_TYPES = {3, 3, 3, 4, 4, 4};

    private TinyVocab() {}

    /** The byte-level spelling of a byte. */
    static String b(int b) {
        return String.valueOf(ByteLevel.charOf(b));
    }

    static List<String> tokens() {
        final List<String> t = new ArrayList<>();
        for (int b = 0; b < 256; b++) t.add(b(b));
        for (String m : MERGES) t.add(m.replace(" ", ""));
        t.addAll(ADDED);
        return t;
    }

    static int[] types() {
        final int[] types = new int[tokens().size()];
        java.util.Arrays.fill(types, 1);
        System.arraycopy(ADDED_TYPES, 0, types, types.length - ADDED.size(), ADDED.size());
        return types;
    }

    /** The id of a merged token or added token, by spelling. */
    static int id(String token) {
        final int i = tokens().indexOf(token);
        if (i < 0) throw new IllegalArgumentException(token);
        return i;
    }

    static BpeTokenizer tokenizer(String pre) {
        return BpeTokenizer.of(tokens(), MERGES, pre, types(), id("<|im_start|>"), id("<|im_end|>"));
    }
}
