package io.github.cospadi.models.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static io.github.cospadi.models.tokenizer.TinyVocab.b;
import static io.github.cospadi.models.tokenizer.TinyVocab.id;
import static org.junit.jupiter.api.Assertions.*;

/** Byte-level BPE on {@link TinyVocab}: hand-checked encodings, special tokens, round trips, the merge loop, bad input. */
class BpeTokenizerTest {
    static final BpeTokenizer GPT2 = TinyVocab.tokenizer("gpt2");

    static int[] ids(Object... tokens) {
        return Arrays.stream(tokens).mapToInt(t -> t instanceof Character ? (Character) t : id((String) t)).toArray();
    }

    @Test
    void mergesFollowRankNotPosition() {
        assertArrayEquals(ids('t', "he"), GPT2.encode("the"));            // "h e" merges, "t he" is no merge
        assertArrayEquals(ids("Ġthe"), GPT2.encode(" the"));              // Ġ t, h e, then Ġt he
        assertArrayEquals(ids("Ġthe", 'r', 'e'), GPT2.encode(" there"));  // "e r" (rank 7) loses its e to "h e" (rank 1)
        assertArrayEquals(new int[]{id(b(' ')), id("he"), 'r'}, GPT2.encode(" her")); // "h er" never forms
        assertArrayEquals(ids("aaaa", 'a'), GPT2.encode("aaaaa"));          // leftmost a a first: aa aa a, then aaaa a
        assertArrayEquals(ids("aaaa", "aa"), GPT2.encode("aaaaaa"));
    }

    @Test
    void piecesNeverMergeAcrossBoundaries() {
        // "  in" is " " + " in": the two spaces are in different pieces, so "Ġ Ġ" does not apply
        assertArrayEquals(new int[]{id(b(' ')), id(b(' ')), id("in")}, GPT2.encode("  in"));
        assertArrayEquals(new int[]{id("ĠĠ"), id(b(' '))}, GPT2.encode("   "));
        // smollm: " 2" is " " then "2"
        assertArrayEquals(new int[]{id(b(' ')), '2'}, TinyVocab.tokenizer("smollm").encode(" 2"));
        assertArrayEquals(new int[]{id(b(' ')) /* Ġ2 is no token anyway */, '2'}, GPT2.encode(" 2"));
    }

    @Test
    void bytesOfMultiByteCharactersAreTokens() {
        final byte[] utf8 = "é😀".getBytes(StandardCharsets.UTF_8);
        final int[] expected = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) expected[i] = utf8[i] & 0xFF; // id b is byte b in TinyVocab
        assertArrayEquals(expected, GPT2.encode("é😀"));
    }

    @Test
    void specialTokensAreMatchedWholeBeforePreTokenization() {
        final int[] ids = GPT2.encode("<|im_start|>user\nhi<|im_end|>");
        assertArrayEquals(new int[]{id("<|im_start|>"), 'u', 's', id("er"), id(b('\n')), 'h', 'i', id("<|im_end|>")}, ids);
        assertEquals("<|im_start|>user\nhi<|im_end|>", GPT2.decode(ids));
        // not parsed: control tokens are text, user-defined ones are still recognised
        final int[] plain = GPT2.encode("<|im_end|><user>", false);
        assertFalse(IntStream.of(plain).anyMatch(i -> i == id("<|im_end|>")), Arrays.toString(plain));
        assertEquals(id("<user>"), plain[plain.length - 1]);
        assertEquals("<|im_end|><user>", GPT2.decode(plain));
        // the longest added token at the leftmost position
        assertArrayEquals(new int[]{id("[A][B]"), id("[A]"), '['}, GPT2.encode("[A][B][A]["));
        assertArrayEquals(new int[]{id("<|endoftext|>"), id("<|endoftext|>")}, GPT2.encode("<|endoftext|><|endoftext|>"));
        assertTrue(GPT2.isControl(id("<|im_end|>")));
        assertFalse(GPT2.isControl(id("<user>")));
        assertFalse(GPT2.isControl('a'));
    }

    @Test
    void vocabularyLookups() {
        assertEquals(256 + TinyVocab.MERGES.size() + TinyVocab.ADDED.size(), GPT2.vocabSize());
        assertEquals("Ġthe", GPT2.token(id("Ġthe")));
        assertEquals(OptionalInt.of(id("Ġthe")), GPT2.id("Ġthe"));
        assertEquals(OptionalInt.empty(), GPT2.id(" the"));
        assertEquals(OptionalInt.of(id("<|im_start|>")), GPT2.bos());
        assertEquals(OptionalInt.of(id("<|im_end|>")), GPT2.eos());
        final BpeTokenizer none = BpeTokenizer.of(TinyVocab.tokens(), TinyVocab.MERGES, "gpt2", null, null, null);
        assertEquals(OptionalInt.empty(), none.bos());
        assertEquals(OptionalInt.empty(), none.eos());
        // without types, added tokens are ordinary byte-level tokens: not matched, decoded through the byte map
        assertArrayEquals(GPT2.encode("<|im_end|>", false), none.encode("<|im_end|>"));
    }

    @Test
    void decodingReplacesInvalidUtf8LikePython() {
        // Python: bytes(...).decode('utf-8', 'replace'), i.e. one U+FFFD per maximal invalid subpart
        final int[] bytes = {0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64,
                0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xC0, 0xAF, 0xE0, 0x80, 0xAF};
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd" + "\uFFFD".repeat(12), GPT2.decode(bytes));
        final byte[] raw = GPT2.decodeBytes(bytes);
        for (int i = 0; i < bytes.length; i++) assertEquals((byte) bytes[i], raw[i]);
        // a normal token outside the byte-level alphabet decodes as its UTF-8 text (HF's ByteLevel decoder)
        final List<String> tokens = new ArrayList<>(TinyVocab.tokens());
        tokens.add("€x");
        final BpeTokenizer t = BpeTokenizer.of(tokens, TinyVocab.MERGES, "gpt2", null, null, null);
        assertEquals("a€x", t.decode(new int[]{'a', tokens.size() - 1}));
    }

    static String randomText(Random r) {
        String text = PreTokenizerTest.randomText(r, 40);
        if (r.nextBoolean()) {
            int at = r.nextInt(text.length() + 1);
            if (at > 0 && at < text.length() && Character.isLowSurrogate(text.charAt(at))) at--; // not inside a pair
            text = text.substring(0, at) + TinyVocab.ADDED.get(r.nextInt(TinyVocab.ADDED.size())) + text.substring(at);
        }
        if (r.nextInt(4) == 0) text = text.replaceAll("[^\\s]", "a"); // runs of a for the a-merges
        return text;
    }

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void decodeInvertsEncode(long seed) {
        final String text = randomText(new Random(seed));
        for (String pre : List.of("gpt2", "smollm", "llama3")) {
            final BpeTokenizer t = TinyVocab.tokenizer(pre);
            assertEquals(text, t.decode(t.encode(text)), "seed " + seed + ", " + pre);
            assertEquals(text, t.decode(t.encode(text, false)), "seed " + seed + ", " + pre + ", specials not parsed");
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), t.decodeBytes(t.encode(text)), "seed " + seed);
        }
    }

    /** The heap merge loop against the quadratic one, on random merge tables (consistent with spelling or not). */
    @ParameterizedTest
    @MethodSource("seeds")
    void fastMergeEqualsSlowMerge(long seed) {
        final Random r = new Random(seed);
        final int alphabet = 2 + r.nextInt(3);
        final int mergeCount = r.nextInt(30);
        final MergeTable table = new MergeTable(mergeCount);
        int next = alphabet;
        for (int k = 0; k < mergeCount; k++) {
            final int result = r.nextInt(4) == 0 ? r.nextInt(next) : next++; // sometimes a pair merges to an old id
            table.add(r.nextInt(next), r.nextInt(next), result);
        }
        for (int w = 0; w < 20; w++) {
            final int[] word = r.ints(1 + r.nextInt(80), 0, alphabet).toArray();
            assertArrayEquals(BpeTokenizer.mergeSlow(word, table), BpeTokenizer.merge(word, table), "seed " + seed + ", word " + Arrays.toString(word));
        }
    }

    @Test
    void longWordsMergeFastAndRight() {
        // tokens a, aa, a⁴, …, a¹⁰²⁴ with merges "a a", "aa aa", …: 100 000 a's are 97 a¹⁰²⁴ + a⁵¹² + a¹²⁸ + a³²
        final List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(b(b));
        final List<String> merges = new ArrayList<>();
        for (int k = 1; k <= 1024; k *= 2) {
            if (k > 1) tokens.add("a".repeat(k));
            if (k < 1024) merges.add("a".repeat(k) + " " + "a".repeat(k));
        }
        final BpeTokenizer t = BpeTokenizer.of(tokens, merges, "gpt2", null, null, null);
        final int[] ids = t.encode("a".repeat(100_000));
        final int[] expected = new int[100];
        Arrays.fill(expected, 0, 97, t.id("a".repeat(1024)).getAsInt());
        expected[97] = t.id("a".repeat(512)).getAsInt();
        expected[98] = t.id("a".repeat(128)).getAsInt();
        expected[99] = t.id("a".repeat(32)).getAsInt();
        assertArrayEquals(expected, ids);
        final String mixed = "ab".repeat(700) + "aaa".repeat(500);
        assertArrayEquals(t.bpeSlow(mixed), t.bpe(mixed));
    }

    @Test
    void ignoreMergesTakesWholeVocabularyPieces() {
        // "her" is a token, but the merges never reach it: h e (rank 1) beats e r (rank 7), and there is no "he r"
        assertArrayEquals(new int[]{id("he"), 'r'}, GPT2.encode("her"));
        assertArrayEquals(new int[]{id("her")}, TinyVocab.tokenizer("llama-bpe").encode("her"));
        assertArrayEquals(new int[]{id("he"), 'r', id(b(' '))}, TinyVocab.tokenizer("llama-bpe").bpeSlow("her ")); // not a token: merged
    }

    @Test
    void missingBytesNeedAnUnknownToken() {
        final List<String> tokens = new ArrayList<>(TinyVocab.tokens());
        tokens.set(0x04, "<unk>"); // no token for byte 0x04 any more
        final BpeTokenizer without = BpeTokenizer.of(tokens, TinyVocab.MERGES, "gpt2", null, null, null);
        assertThrowsNaming("0x04", () -> without.encode("a\u0004b"));
        final BpeTokenizer with = BpeTokenizer.of(tokens, TinyVocab.MERGES, "gpt2", null, null, null, 0x04);
        assertArrayEquals(new int[]{'a', 0x04, 0x04, 'b'}, with.encode("a\u0004\u0004b")); // one unknown per byte, like HF
    }

    static void assertThrowsNaming(String value, Executable call) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(value), "message '" + e.getMessage() + "' should name " + value);
    }

    @Test
    void badVocabulariesAreRefusedByName() {
        final List<String> tokens = TinyVocab.tokens();
        final List<String> merges = TinyVocab.MERGES;
        final List<String> dup = new ArrayList<>(tokens);
        dup.set(300 - 30, "Ġthe");
        assertThrowsNaming("'Ġthe' appears at ids", () -> BpeTokenizer.of(dup, merges, "gpt2", null, null, null));
        assertThrowsNaming("'zz' is not a token", () -> BpeTokenizer.of(tokens, List.of("a zz"), "gpt2", null, null, null));
        assertThrowsNaming("the merged 'ab' is not a token", () -> BpeTokenizer.of(tokens, List.of("a b"), "gpt2", null, null, null));
        assertThrowsNaming("merges[1] = 'ab'", () -> BpeTokenizer.of(tokens, List.of("a a", "ab"), "gpt2", null, null, null));
        assertThrowsNaming("repeats merge 0", () -> BpeTokenizer.of(tokens, List.of("a a", "a a"), "gpt2", null, null, null));
        assertThrowsNaming("tokenTypes has 3 entries but there are " + tokens.size(),
                () -> BpeTokenizer.of(tokens, merges, "gpt2", new int[]{1, 1, 1}, null, null));
        final int[] types = TinyVocab.types();
        types[7] = 6;
        assertThrowsNaming("tokenTypes[7] = 6", () -> BpeTokenizer.of(tokens, merges, "gpt2", types, null, null));
        types[7] = 9;
        assertThrowsNaming("tokenTypes[7] = 9", () -> BpeTokenizer.of(tokens, merges, "gpt2", types, null, null));
        assertThrowsNaming("'qwen2'", () -> BpeTokenizer.of(tokens, merges, "qwen2", null, null, null));
        assertThrowsNaming("bos id 9999", () -> BpeTokenizer.of(tokens, merges, "gpt2", null, 9999, null));
        assertThrowsNaming("eos id -1", () -> BpeTokenizer.of(tokens, merges, "gpt2", null, null, -1));
        final List<String> empty = new ArrayList<>(tokens);
        empty.set(5, "");
        assertThrowsNaming("token 5 is empty", () -> BpeTokenizer.of(empty, merges, "gpt2", null, null, null));
    }

    @Test
    void badCallsAreRefusedByName() {
        assertThrowsNaming("ids[1] = " + GPT2.vocabSize(), () -> GPT2.decode(new int[]{0, GPT2.vocabSize()}));
        assertThrowsNaming("ids[0] = -3", () -> GPT2.decodeBytes(new int[]{-3}));
        assertThrowsNaming("id -1", () -> GPT2.token(-1));
        assertThrowsNaming("unpaired surrogate U+D83D at index 2", () -> GPT2.encode("ab\uD83Dc"));
        assertThrowsNaming("unpaired surrogate U+DE00 at index 0", () -> GPT2.encode("\uDE00"));
        assertThrows(NullPointerException.class, () -> GPT2.encode(null));
        assertArrayEquals(new int[0], GPT2.encode(""));
        assertEquals("", GPT2.decode(new int[0]));
    }
}
