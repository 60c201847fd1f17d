package io.github.cospadi.cli;

import java.util.Locale;
import java.util.Map;

/** Minimal JSON object writer for the commands' {@code --json} output (one object per line). */
public final class Json {
    private Json() {}

    /** Renders a flat map of strings, numbers, booleans and nested maps as one JSON object. */
    public static String object(Map<String, ?> fields) {
        final StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            if (!first) b.append(", ");
            first = false;
            b.append(string(e.getKey())).append(": ").append(value(e.getValue()));
        }
        return b.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    private static String value(Object v) {
        if (v == null) return "null";
        if (v instanceof Double || v instanceof Float) {
            final double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.8g", d) : "null";
        }
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        if (v instanceof Map) return object((Map<String, ?>) v);
        return string(v.toString());
    }

    static String string(String s) {
        final StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
