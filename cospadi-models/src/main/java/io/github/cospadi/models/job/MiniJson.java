package io.github.cospadi.models.job;

import java.util.List;
import java.util.Map;

/**
 * The writer of the job files' JSON: objects, arrays, strings, numbers, booleans and null, the top-level object one
 * entry per line in insertion order, so the files diff well. They are read by {@link
 * io.github.cospadi.internal.JsonParser#parseExactObject} (numbers as {@link java.math.BigDecimal} of their text).
 */
final class MiniJson {
    private MiniJson() {}

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
