package io.github.cospadi.models.bert;

import io.github.cospadi.internal.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The BERT WordPiece tokenizer of a Hugging Face {@code tokenizer.json}: BertNormalizer (clean text, spaces around CJK
 * characters, lower-casing with accent stripping), BertPreTokenizer (whitespace and punctuation), greedy longest-match
 * WordPiece with the {@code ##} prefix and {@code [UNK]}, then {@code [CLS] … [SEP]} with truncation.
 */
public final class WordPieceTokenizer {
    private final Map<String, Integer> vocab;
    private final String prefix;
    private final int unk, cls, sep, maxCharsPerWord, maxLength;
    private final boolean lowercase, stripAccents;

    private WordPieceTokenizer(Map<String, Integer> vocab, String prefix, int maxCharsPerWord, boolean lowercase,
                               boolean stripAccents, int maxLength) {
        this.vocab = vocab;
        this.prefix = prefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.maxLength = maxLength;
        this.unk = id("[UNK]");
        this.cls = id("[CLS]");
        this.sep = id("[SEP]");
    }

    private int id(String token) {
        final Integer i = vocab.get(token);
        if (i == null) throw new IllegalArgumentException("tokenizer vocabulary has no " + token);
        return i;
    }

    public static WordPieceTokenizer read(Path path) throws IOException {
        return parse(Files.readString(path), path.toString());
    }

    public static WordPieceTokenizer read(InputStream in, String source) throws IOException {
        return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), source);
    }

    @SuppressWarnings("unchecked")
    static WordPieceTokenizer parse(String json, String source) {
        final Map<String, Object> root = JsonParser.parseObject(json, source);
        final Map<String, Object> model = (Map<String, Object>) root.get("model");
        if (model == null || !"WordPiece".equals(model.get("type"))) throw new IllegalArgumentException(source + ": not a WordPiece tokenizer");
        final Map<String, Integer> vocab = new HashMap<>();
        ((Map<String, Object>) model.get("vocab")).forEach((k, v) -> vocab.put(k, ((Number) v).intValue()));
        final Map<String, Object> norm = root.get("normalizer") instanceof Map ? (Map<String, Object>) root.get("normalizer") : Map.of();
        final boolean lowercase = !Boolean.FALSE.equals(norm.get("lowercase"));
        final boolean strip = norm.get("strip_accents") == null ? lowercase : Boolean.TRUE.equals(norm.get("strip_accents"));
        int maxLength = 512;
        if (root.get("truncation") instanceof Map) maxLength = ((Number) ((Map<String, Object>) root.get("truncation")).get("max_length")).intValue();
        final String prefix = model.get("continuing_subword_prefix") instanceof String ? (String) model.get("continuing_subword_prefix") : "##";
        final int maxChars = model.get("max_input_chars_per_word") instanceof Number ? ((Number) model.get("max_input_chars_per_word")).intValue() : 100;
        return new WordPieceTokenizer(vocab, prefix, maxChars, lowercase, strip, maxLength);
    }

    /** Token ids of one sentence: [CLS] wordpieces [SEP], truncated to the maximum length. */
    public int[] encode(String text) {
        final List<Integer> ids = new ArrayList<>();
        ids.add(cls);
        for (String word : preTokenize(normalize(text))) {
            wordPiece(word, ids);
            if (ids.size() >= maxLength - 1) break;
        }
        while (ids.size() > maxLength - 1) ids.remove(ids.size() - 1);
        ids.add(sep);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    String normalize(String text) {
        final StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xfffd || isControl(c)) return;
            if (isWhitespace(c)) {
                b.append(' ');
            } else if (isCjk(c)) {
                b.append(' ').appendCodePoint(c).append(' ');
            } else {
                b.appendCodePoint(c);
            }
        });
        String s = b.toString();
        if (lowercase) s = s.toLowerCase(java.util.Locale.ROOT);
        if (stripAccents) {
            s = Normalizer.normalize(s, Normalizer.Form.NFD);
            final StringBuilder out = new StringBuilder(s.length());
            s.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK).forEach(out::appendCodePoint);
            s = out.toString();
        }
        return s;
    }

    static List<String> preTokenize(String s) {
        final List<String> words = new ArrayList<>();
        final StringBuilder cur = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (isWhitespace(c)) {
                flush(cur, words);
            } else if (isPunctuation(c)) {
                flush(cur, words);
                words.add(new String(Character.toChars(c)));
            } else {
                cur.appendCodePoint(c);
            }
        });
        flush(cur, words);
        return words;
    }

    private static void flush(StringBuilder cur, List<String> words) {
        if (cur.length() > 0) {
            words.add(cur.toString());
            cur.setLength(0);
        }
    }

    private void wordPiece(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > maxCharsPerWord) {
            out.add(unk);
            return;
        }
        final List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                final String sub = (start > 0 ? prefix : "") + word.substring(start, end);
                found = vocab.get(sub);
                if (found != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || Character.getType(c) == Character.SPACE_SEPARATOR;
    }

    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        final int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT;
    }

    static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
        final int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    static boolean isCjk(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
