package io.github.cospadi.models.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The named pre-tokenizers of {@code tokenizer.ggml.pre}: how text is cut into pieces before BPE merges each piece
 * on its own. The pieces cover the text without gaps (as HF's {@code Isolated} split behaviour keeps unmatched text).
 *
 * <p>The regexes are compiled with {@link Pattern#UNICODE_CHARACTER_CLASS}, so that {@code \s} is Unicode
 * White_Space (as in Oniguruma, which HF {@code tokenizers} uses) and {@code (?i)} folds case by Unicode rules;
 * {@code \p{L}} and {@code \p{N}} are the general categories in any case. Java 17 knows Unicode 13: characters
 * assigned later are unassigned here, so they fall in no letter or digit class.
 */
enum PreTokenizer {
    /** GPT-2: contractions, letters, digits, other symbols, each with an optional leading space, then whitespace. */
    GPT2("gpt2", Patterns.GPT2, false),
    /**
     * SmolLM (HF: {@code Sequence[Digits(individual_digits=true), ByteLevel(use_regex=true)]}): every {@code \p{N}}
     * character is a piece of its own, and the GPT-2 regex cuts each stretch between them, so {@code " 2024"} is
     * {@code " ", "2", "0", "2", "4"}.
     */
    SMOLLM("smollm", Patterns.GPT2, true),
    /**
     * Llama 3 (GGUF {@code llama-bpe}): case-insensitive contractions, letters with one leading non-letter, digits in
     * groups of at most three, symbols with trailing newlines, newlines with leading whitespace, then whitespace.
     */
    LLAMA3("llama3", Patterns.LLAMA3, false);

    /** The regex strings, as HF {@code tokenizer.json} files spell them. */
    static final class Patterns {
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
        static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

        private Patterns() {}
    }

    /** Receives one piece: {@code text[start, end)}. */
    @FunctionalInterface
    interface Sink {
        void piece(String text, int start, int end);
    }

    final String label;
    private final Pattern pattern;
    private final boolean isolateDigits;

    PreTokenizer(String label, String regex, boolean isolateDigits) {
        this.label = label;
        this.pattern = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        this.isolateDigits = isolateDigits;
    }

    /** The pre-tokenizer a GGUF {@code tokenizer.ggml.pre} value names ({@code llama-bpe} is Llama 3's). */
    static PreTokenizer named(String name) {
        if (name == null) throw new IllegalArgumentException("pre-tokenizer name is null (supported: gpt2, smollm, llama3, llama-bpe)");
        switch (name.toLowerCase(Locale.ROOT)) {
            case "gpt2": return GPT2;
            case "smollm": return SMOLLM;
            case "llama3": case "llama-bpe": return LLAMA3;
            default: throw new IllegalArgumentException("unknown pre-tokenizer '" + name + "' (supported: gpt2, smollm, llama3, llama-bpe)");
        }
    }

    /** Cuts {@code text[from, to)} into pieces, in order. */
    void split(String text, int from, int to, Sink sink) {
        split(text, from, to, sink, false);
    }

    /**
     * The same; with {@code regexOnly} the regex also does the GPT-2 split that {@link #scanGpt2} otherwise does
     * (the tests' oracle).
     */
    void split(String text, int from, int to, Sink sink, boolean regexOnly) {
        final Matcher m = this == LLAMA3 || regexOnly ? pattern.matcher(text) : null;
        if (!isolateDigits) {
            cut(m, text, from, to, sink);
            return;
        }
        int start = from;
        for (int i = from; i < to; ) {
            final int c = text.codePointAt(i);
            final int n = Character.charCount(c);
            if (isNumeric(c)) {
                cut(m, text, start, i, sink);
                sink.piece(text, i, i + n);
                start = i + n;
            }
            i += n;
        }
        cut(m, text, start, to, sink);
    }

    /** The pieces of a whole text (for tests and inspection). */
    List<String> split(String text, boolean regexOnly) {
        final List<String> pieces = new ArrayList<>();
        split(text, 0, text.length(), (t, s, e) -> pieces.add(t.substring(s, e)), regexOnly);
        return pieces;
    }

    /**
     * Regex matches in {@code [from, to)} as if that stretch were the whole text (opaque region bounds), or the
     * GPT-2 scanner if {@code m} is null.
     */
    private static void cut(Matcher m, String text, int from, int to, Sink sink) {
        if (from >= to) return;
        if (m == null) {
            scanGpt2(text, from, to, sink);
            return;
        }
        m.region(from, to);
        int last = from;
        while (m.find()) {
            if (m.start() > last) sink.piece(text, last, m.start());
            sink.piece(text, m.start(), m.end());
            last = m.end();
        }
        if (last < to) sink.piece(text, last, to);
    }

    private static final byte OTHER = 0, SPACE = 1, LETTER = 2, NUMBER = 3;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = classOfSlow(c);
    }

    /**
     * The GPT-2 regex by hand, on code points: at each position the first alternative that matches, as the
     * backtracking regex would choose it. (1) An apostrophe starting s, t, re, ve, m, ll or d takes it. (2) Else an
     * optional space U+0020 and a maximal run of letters, or of digits, or of other symbols (the class of the first
     * character after the space decides). (3) Else whitespace: the run up to the end of the stretch; before a
     * non-space character, the run less its last character, or the single character if the run is one long.
     */
    static void scanGpt2(String text, int from, int to, Sink sink) {
        int i = from;
        while (i < to) {
            final int c = text.codePointAt(i);
            int end = c == '\'' ? contraction(text, i, to) : -1;
            if (end < 0) {
                int start = i;
                int cls = classOf(c);
                if (c == ' ' && i + 1 < to) {
                    final int next = classOf(text.codePointAt(i + 1));
                    if (next != SPACE) {
                        start = i + 1;
                        cls = next;
                    }
                }
                if (cls == SPACE) {
                    int j = i;
                    while (j < to && classOf(text.codePointAt(j)) == SPACE) j++; // White_Space is all in the BMP
                    end = j == to || j - i == 1 ? j : j - 1;
                } else {
                    end = start;
                    while (end < to) {
                        final int d = text.codePointAt(end);
                        if (classOf(d) != cls) break;
                        end += Character.charCount(d);
                    }
                }
            }
            sink.piece(text, i, end);
            i = end;
        }
    }

    private static final String[] CONTRACTIONS = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};

    private static int contraction(String text, int at, int to) {
        for (String k : CONTRACTIONS) {
            if (at + k.length() <= to && text.startsWith(k, at)) return at + k.length();
        }
        return -1;
    }

    private static int classOf(int c) {
        return c < 128 ? ASCII[c] : classOfSlow(c);
    }

    /** Unicode White_Space (the {@code \s} of Oniguruma and of Java with UNICODE_CHARACTER_CLASS), else L, N or other. */
    private static byte classOfSlow(int c) {
        if (isWhiteSpace(c)) return SPACE;
        if (Character.isLetter(c)) return LETTER;
        return isNumeric(c) ? NUMBER : OTHER;
    }

    /** The Unicode White_Space property (unchanged since Unicode 6.3). */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Rust's {@code char::is_numeric}: general categories Nd, Nl and No, i.e. {@code \p{N}}. */
    static boolean isNumeric(int c) {
        final int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }
}
