package io.github.cospadi.models.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON subset of the job files: objects, arrays, strings, numbers (kept as their text), booleans and null.
 * Written with sorted-by-insertion keys, one value per line at the top level, so the files diff well.
 */
final class MiniJson {
    private final String s;
    private final String source;
    private int i;

    private MiniJson(String s, String source) {
        this.s = s;
        this.source = source;
    }

    /** Parses one JSON value; numbers come back as {@link java.math.BigDecimal}. */
    static Object parse(String text, String source) {
        final MiniJson p = new MiniJson(text, source);
        p.space();
        final Object v = p.value();
        p.space();
        if (p.i != text.length()) throw p.error("trailing characters");
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text, String source) {
        final Object v = parse(text, source);
        if (!(v instanceof Map)) throw new IllegalArgumentException(source + ": expected a JSON object");
        return (Map<String, Object>) v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(source + ": malformed JSON at character " + i + ": " + what);
    }

    private void space() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private Object value() {
        if (i >= s.length()) throw error("unexpected end");
        final char c = s.charAt(i);
        if (c == '{') {
            i++;
            final Map<String, Object> m = new LinkedHashMap<>();
            space();
            if (peek('}')) return m;
            do {
                space();
                final String k = string();
                space();
                expect(':');
                space();
                m.put(k, value());
                space();
            } while (next(','));
            expect('}');
            return m;
        }
        if (c == '[') {
            i++;
            final List<Object> l = new ArrayList<>();
            space();
            if (peek(']')) return l;
            do {
                space();
                l.add(value());
                space();
            } while (next(','));
            expect(']');
            return l;
        }
        if (c == '"') return string();
        if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
        if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
        if (s.startsWith("null", i)) { i += 4; return null; }
        final int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
        if (start == i) throw error("unexpected '" + c + "'");
        try {
            return new java.math.BigDecimal(s.substring(start, i));
        } catch (NumberFormatException e) {
            throw error("bad number '" + s.substring(start, i) + "'");
        }
    }

    private boolean peek(char c) {
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    private boolean next(char c) {
        return peek(c);
    }

    private void expect(char c) {
        if (!peek(c)) throw error("expected '" + c + "'");
    }

    private String string() {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) throw error("unterminated string");
            final char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) throw error("unterminated escape");
            final char e = s.charAt(i++);
            switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'r': b.append('\r'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'u':
                    if (i + 4 > s.length()) throw error("short \\u escape");
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                    break;
                default: b.append(e);
            }
        }
    }

    /** Renders maps, lists, strings, numbers, booleans and null; the top-level object one entry per line. */
    static String write(Object v) {
        final StringBuilder b = new StringBuilder();
        write(b, v, true);
        return b.append('\n').toString();
    }

    @SuppressWarnings("unchecked")
    private static void write(StringBuilder b, Object v, boolean top) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<String, ?> e : ((Map<String, ?>) v).entrySet()) {
                if (!first) b.append(',');
                b.append(top ? "\n  " : first ? "" : " ");
                first = false;
                quote(b, e.getKey());
                b.append(": ");
                write(b, e.getValue(), false);
            }
            b.append(top && !first ? "\n}" : "}");
        } else if (v instanceof List) {
            b.append('[');
            boolean first = true;
            for (Object o : (List<?>) v) {
                if (!first) b.append(", ");
                first = false;
                write(b, o, false);
            }
            b.append(']');
        } else if (v instanceof Double || v instanceof Float) {
            final double d = ((Number) v).doubleValue();
            b.append(Double.isFinite(d) ? Double.toString(d) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else {
            quote(b, v.toString());
        }
    }

    private static void quote(StringBuilder b, String s) {
        io.github.cospadi.internal.JsonStrings.quote(b, s);
    }
}
