package io.github.cospadi.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON parser for safetensors headers, model configs and the job files: objects become
 * {@code LinkedHashMap}, arrays {@code ArrayList}, numbers {@code Long} (integers) or {@code Double} — or, with
 * {@link #parseExact}, a {@code BigDecimal} of the literal, so that a value read and written again keeps its text —
 * plus {@code String}, {@code Boolean} and {@code null}. Errors name the position.
 */
public final class JsonParser {
    private final String text;
    private final String source;
    private final boolean exact;
    private int pos;

    private JsonParser(String text, String source, boolean exact) {
        this.text = text;
        this.source = source;
        this.exact = exact;
    }

    /** Parses one JSON value that must span the whole text; {@code source} names the input in error messages. */
    public static Object parse(String text, String source) {
        return new JsonParser(text, source, false).whole();
    }

    /** Parses a JSON object. */
    public static Map<String, Object> parseObject(String text, String source) {
        return object(parse(text, source), source);
    }

    /**
     * As {@link #parse}, with every number a {@link java.math.BigDecimal} of its literal text (exact: {@code 0.1} stays
     * 0.1, {@code 1E+3} keeps its scale, integers of any size).
     */
    public static Object parseExact(String text, String source) {
        return new JsonParser(text, source, true).whole();
    }

    /** Parses a JSON object with exact numbers ({@link #parseExact}). */
    public static Map<String, Object> parseExactObject(String text, String source) {
        return object(parseExact(text, source), source);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String source) {
        if (!(v instanceof Map)) throw new IllegalArgumentException(source + ": expected a JSON object");
        return (Map<String, Object>) v;
    }

    private Object whole() {
        skipSpace();
        final Object value = value(0);
        skipSpace();
        if (pos != text.length()) throw error("unexpected trailing characters");
        return value;
    }

    private static final int MAX_DEPTH = 64;

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        if (pos >= text.length()) throw error("unexpected end of input");
        final char c = text.charAt(pos);
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected character '" + c + "'");
        }
    }

    private Map<String, Object> object(int depth) {
        final Map<String, Object> map = new LinkedHashMap<>();
        pos++; // {
        skipSpace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("expected a string key");
            final String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            if (map.containsKey(key)) throw error("duplicate key '" + key + "'");
            map.put(key, value(depth + 1));
            skipSpace();
            if (peek() == ',') {
                pos++;
                continue;
            }
            expect('}');
            return map;
        }
    }

    private List<Object> array(int depth) {
        final List<Object> list = new ArrayList<>();
        pos++; // [
        skipSpace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipSpace();
            list.add(value(depth + 1));
            skipSpace();
            if (peek() == ',') {
                pos++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private String string() {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            final char c = text.charAt(pos++);
            if (c == '"') return b.toString();
            if (c < 0x20) throw error("control character in string");
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= text.length()) throw error("unterminated escape");
            final char e = text.charAt(pos++);
            switch (e) {
                case '"': b.append('"'); break;
                case '\\': b.append('\\'); break;
                case '/': b.append('/'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    if (pos + 4 > text.length()) throw error("truncated \\u escape");
                    try {
                        b.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                    break;
                default: throw error("bad escape '\\" + e + "'");
            }
        }
    }

    private Object number() {
        final int start = pos;
        if (peek() == '-') pos++;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        boolean integer = true;
        if (pos < text.length() && text.charAt(pos) == '.') {
            integer = false;
            pos++;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            integer = false;
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) pos++;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        }
        final String s = text.substring(start, pos);
        try {
            if (exact) return new java.math.BigDecimal(s);
            if (integer) return Long.parseLong(s);
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number '" + s + "'");
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) throw error("unexpected token");
        pos += word.length();
        return value;
    }

    private char peek() {
        if (pos >= text.length()) throw error("unexpected end of input");
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (pos >= text.length() || text.charAt(pos) != c) throw error("expected '" + c + "'");
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            final char c = text.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(source + ": malformed JSON at character " + pos + ": " + what);
    }
}
