package io.github.cospadi.internal;

/** JSON string literals for the hand-written JSON of cospadi's files (RFC 8259 escapes), the twin of {@link JsonParser}. */
public final class JsonStrings {
    private JsonStrings() {}

    /** {@code s} as a JSON string literal. */
    public static String quote(String s) {
        final StringBuilder b = new StringBuilder(s.length() + 2);
        quote(b, s);
        return b.toString();
    }

    /**
     * Appends {@code s} as a JSON string literal: quote, backslash and the control characters escaped (short forms
     * where JSON has them), a lone surrogate as {@code \\uXXXX} (it has no UTF-8 form); everything else as it is.
     */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || Character.isSurrogate(c) && !pairedSurrogate(s, i)) b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        b.append('"');
    }

    private static boolean pairedSurrogate(String s, int i) {
        final char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
