package io.github.cospadi.models.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The named pre-tokenizers against splits that HF {@code tokenizers} 0.23 produced for the same strings
 * ({@code Split(regex, "isolated")}, after {@code Digits(individual_digits=True)} for smollm), and the hand-written
 * GPT-2 scanner against the regex it replaces.
 */
class PreTokenizerTest {
    static void check(PreTokenizer pre, String text, String... expected) {
        assertEquals(List.of(expected), pre.split(text, false), pre.label + " on '" + text + "'");
        assertEquals(List.of(expected), pre.split(text, true), pre.label + " (regex) on '" + text + "'");
    }

    @Test
    void gpt2SplitsLikeHf() {
        final PreTokenizer p = PreTokenizer.GPT2;
        check(p, "Hello world", "Hello", " world");
        check(p, "I'm   here\n\n there", "I", "'m", "  ", " here", "\n\n", " there");
        check(p, "In 2024, grew 3.1%", "In", " 2024", ",", " grew", " 3", ".", "1", "%");
        check(p, "café — “quoted” 😀 中文", "café", " —", " “", "quoted", "”", " 😀", " 中文");
        check(p, "a\u00a0b  \tc", "a", "\u00a0", "b", "  ", "\t", "c");
        check(p, "don't 's ''s", "don", "'t", " '", "s", " ''", "s");
        check(p, "x²³ ½ ٣", "x", "²³", " ½", " ٣");
        check(p, "I'M you'Re", "I", "'", "M", " you", "'", "Re");
        check(p, "hello!!!\n\nworld", "hello", "!!!", "\n", "\n", "world");
        check(p, " \n\n x", " \n\n", " x");
        check(p, "'ſt 'Kx", "'", "ſt", " '", "Kx");
        check(p, "  ", "  ");
        check(p, "a \n", "a", " \n");
        check(p, "");
    }

    @Test
    void smollmIsolatesEveryDigitFirst() {
        final PreTokenizer p = PreTokenizer.SMOLLM;
        check(p, " 2024", " ", "2", "0", "2", "4");
        check(p, "In 2024, grew 3.1%", "In", " ", "2", "0", "2", "4", ",", " grew", " ", "3", ".", "1", "%");
        check(p, "abc123def", "abc", "1", "2", "3", "def");
        check(p, "x²³ ½ ٣", "x", "²", "³", " ", "½", " ", "٣");
        check(p, "12345678 1,000", "1", "2", "3", "4", "5", "6", "7", "8", " ", "1", ",", "0", "0", "0");
        check(p, "I'm   here\n\n there", "I", "'m", "  ", " here", "\n\n", " there");
        check(p, "café — “quoted” 😀 中文", "café", " —", " “", "quoted", "”", " 😀", " 中文");
    }

    @Test
    void llama3GroupsDigitsByThreeAndFoldsContractions() {
        final PreTokenizer p = PreTokenizer.LLAMA3;
        check(p, "In 2024, grew 3.1%", "In", " ", "202", "4", ",", " grew", " ", "3", ".", "1", "%");
        check(p, "a\u00a0b  \tc", "a", "\u00a0b", "  ", "\tc");
        check(p, "I'M you'Re", "I", "'M", " you", "'Re");
        check(p, "12345678 1,000", "123", "456", "78", " ", "1", ",", "000");
        check(p, "hello!!!\n\nworld", "hello", "!!!\n\n", "world");
        check(p, "x²³ ½ ٣", "x", "²³", " ", "½", " ", "٣");
        check(p, "'ſt 'Kx", "'ſ", "t", " '", "Kx"); // U+017F folds to 's', as in Oniguruma
        check(p, " \n\n x", " \n\n", " x");
    }

    @Test
    void namesAreCheckedAndAliased() {
        assertSame(PreTokenizer.LLAMA3, PreTokenizer.named("llama-bpe"));
        assertSame(PreTokenizer.SMOLLM, PreTokenizer.named("smollm"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreTokenizer.named("qwen2"));
        assertTrue(e.getMessage().contains("'qwen2'"), e.getMessage());
    }

    /** The hand-listed White_Space set is exactly Java's Unicode {@code \s}, over every code point. */
    @Test
    void whiteSpaceIsTheUnicodeProperty() {
        final StringBuilder all = new StringBuilder();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE) all.appendCodePoint(c);
        }
        final java.util.BitSet regex = new java.util.BitSet();
        final java.util.regex.Matcher m = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS).matcher(all);
        while (m.find()) regex.set(all.codePointAt(m.start()));
        final java.util.BitSet listed = new java.util.BitSet();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) if (PreTokenizer.isWhiteSpace(c)) listed.set(c);
        assertEquals(regex, listed);
    }

    /** Characters that exercise every branch of the scanner: spaces of several kinds, contractions, digits, symbols. */
    static final int[] ALPHABET = " \t\n\r\u00a0\u3000\u2028'srtvemldSTRxyzé\u0301015²½٣,.!?—“”-_<|>".codePoints().toArray();

    static String randomText(Random r, int maxLength) {
        final StringBuilder b = new StringBuilder();
        final int n = r.nextInt(maxLength + 1);
        for (int i = 0; i < n; i++) {
            final int kind = r.nextInt(20);
            if (kind == 0) b.appendCodePoint(0x1F600 + r.nextInt(80));           // emoji (surrogate pairs)
            else if (kind == 1) b.appendCodePoint(0x4E00 + r.nextInt(0x5000));  // CJK
            else if (kind == 2) b.appendCodePoint(1 + r.nextInt(0x2FFF));       // controls, Latin, Greek, marks, ... (below the surrogates)
            else b.appendCodePoint(ALPHABET[r.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void scannerAgreesWithTheRegex(long seed) {
        final String text = randomText(new Random(seed), 60);
        for (PreTokenizer p : List.of(PreTokenizer.GPT2, PreTokenizer.SMOLLM)) {
            final List<String> fast = p.split(text, false);
            assertEquals(p.split(text, true), fast, "seed " + seed + ", " + p.label);
            assertEquals(text, String.join("", fast), "seed " + seed + ": pieces must cover the text");
        }
        assertEquals(text, String.join("", PreTokenizer.LLAMA3.split(text, false)), "seed " + seed + ", llama3 covers the text");
    }
}
