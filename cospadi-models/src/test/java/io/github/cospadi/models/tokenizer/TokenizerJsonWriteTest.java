package io.github.cospadi.models.tokenizer;

import io.github.cospadi.internal.JsonParser;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link BpeTokenizer#toTokenizerJson} and {@link BpeTokenizer#toTokenizerConfigJson}: what they write reads back (through the
 * reader that also reads Hugging Face's files) as a tokenizer with the same vocabulary, kinds, BOS/EOS and the same
 * ids for random texts, for every pre-tokenizer.
 */
class TokenizerJsonWriteTest {
    @TempDir
    Path dir;

    static final String ALPHABET = "the rain in aaaa her 0123456789 \n\t\"\\é😀<|im_start|><|im_end|><user>[A][B]'s'd,.!";

    static Stream<Arguments> cases() {
        return IntStream.range(0, 24).mapToObj(seed -> Arguments.of(List.of("gpt2", "smollm", "llama3").get(seed % 3), seed));
    }

    static String randomText(SplittableRandom r) {
        final StringBuilder b = new StringBuilder();
        final int n = 1 + r.nextInt(80);
        for (int i = 0; i < n; i++) {
            final int at = r.nextInt(ALPHABET.length());
            final int len = 1 + r.nextInt(Math.min(6, ALPHABET.length() - at));
            String piece = ALPHABET.substring(at, at + len);
            if (Character.isLowSurrogate(piece.charAt(0)) || Character.isHighSurrogate(piece.charAt(piece.length() - 1))) piece = "x";
            b.append(piece);
        }
        return b.toString();
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("cases")
    void writtenTokenizerReadsBackWithTheSameIds(String pre, int seed) throws IOException {
        final BpeTokenizer original = TinyVocab.tokenizer(pre);
        Files.writeString(dir.resolve("tokenizer.json"), original.toTokenizerJson());
        Files.writeString(dir.resolve("tokenizer_config.json"), original.toTokenizerConfigJson("{{ messages }}"));
        final BpeTokenizer back = BpeTokenizer.fromTokenizerJson(dir.resolve("tokenizer.json"));
        assertSame(original.pre(), back.pre(), "seed " + seed);
        assertEquals(original.ignoresMerges(), back.ignoresMerges(), "seed " + seed);
        assertEquals(original.vocabSize(), back.vocabSize(), "seed " + seed);
        for (int id = 0; id < original.vocabSize(); id++) {
            assertEquals(original.token(id), back.token(id), "seed " + seed + ", id " + id);
            assertEquals(original.isControl(id), back.isControl(id), "seed " + seed + ", id " + id);
        }
        assertEquals(original.bos(), back.bos(), "seed " + seed);
        assertEquals(original.eos(), back.eos(), "seed " + seed);
        final SplittableRandom r = new SplittableRandom(seed);
        for (int t = 0; t < 20; t++) {
            final String text = randomText(r);
            assertArrayEquals(original.encode(text), back.encode(text), "seed " + seed + ", text '" + text + "'");
            assertArrayEquals(original.encode(text, false), back.encode(text, false), "seed " + seed + ", text '" + text + "'");
        }
        final Map<String, Object> config = JsonParser.parseObject(Files.readString(dir.resolve("tokenizer_config.json")), "config");
        assertEquals("{{ messages }}", config.get("chat_template"), "seed " + seed);
    }

    /** Tokens that need JSON escapes (quote, backslash, control characters) survive the round trip. */
    @ParameterizedTest
    @ValueSource(strings = {"<\">", "<\\>", "a\"b\\c", "\u0001\u001f", "line\nbreak\ttab"})
    void escapesSurviveTheRoundTrip(String added) throws IOException {
        final List<String> tokens = new ArrayList<>(TinyVocab.tokens());
        tokens.add(added);
        final int[] types = new int[tokens.size()];
        System.arraycopy(TinyVocab.types(), 0, types, 0, types.length - 1);
        types[types.length - 1] = 4;
        final BpeTokenizer original = BpeTokenizer.of(tokens, TinyVocab.MERGES, "gpt2", types, null, null);
        Files.writeString(dir.resolve("tokenizer.json"), original.toTokenizerJson());
        final BpeTokenizer back = BpeTokenizer.fromTokenizerJson(dir.resolve("tokenizer.json"));
        assertEquals(added, back.token(tokens.size() - 1));
        final String text = "x" + added + "the";
        assertArrayEquals(original.encode(text), back.encode(text), "text '" + text + "'");
    }
}
