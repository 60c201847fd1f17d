package io.github.cospadi.internal;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Typed fields of an object read by {@link JsonParser#parseExactObject} (values: String, BigDecimal, Boolean, List,
 * Map or null). Every reader throws an IllegalArgumentException that names the place ({@code where}), the key and the
 * value found, e.g. {@code plan.json: matrices[3]: 'atoms' must be an integer, got 1.5}.
 */
public final class JsonFields {
    private JsonFields() {}

    public static String string(Map<String, ?> m, String key, String where) {
        final Object v = m.get(key);
        if (!(v instanceof String)) throw error(where, key, "a string", v);
        return (String) v;
    }

    /** An integral number (any decimal form of one, e.g. 3 or 3.0). */
    public static long integer(Map<String, ?> m, String key, String where) {
        final Object v = m.get(key);
        if (v instanceof BigDecimal) {
            try {
                return ((BigDecimal) v).longValueExact();
            } catch (ArithmeticException e) {
                // not integral, or beyond long: the error below
            }
        }
        throw error(where, key, "an integer", v);
    }

    /** {@link #integer} within the range of an int. */
    public static int int32(Map<String, ?> m, String key, String where) {
        final long v = integer(m, key, where);
        if (v != (int) v) throw error(where, key, "an integer within ±2^31", v);
        return (int) v;
    }

    public static double number(Map<String, ?> m, String key, String where) {
        final Object v = m.get(key);
        if (!(v instanceof BigDecimal)) throw error(where, key, "a number", v);
        return ((BigDecimal) v).doubleValue();
    }

    /** A number, or NaN for an explicit {@code null} (how the job files write a non-finite value). */
    public static double numberOrNaN(Map<String, ?> m, String key, String where) {
        return m.get(key) == null && m.containsKey(key) ? Double.NaN : number(m, key, where);
    }

    /** A number whose double is finite. */
    public static double finite(Map<String, ?> m, String key, String where) {
        final double d = number(m, key, where);
        if (!Double.isFinite(d)) throw error(where, key, "finite", m.get(key));
        return d;
    }

    public static boolean bool(Map<String, ?> m, String key, String where) {
        final Object v = m.get(key);
        if (!(v instanceof Boolean)) throw error(where, key, "true or false", v);
        return (Boolean) v;
    }

    public static List<?> list(Map<String, ?> m, String key, String where) {
        final Object v = m.get(key);
        if (!(v instanceof List)) throw error(where, key, "an array", v);
        return (List<?>) v;
    }

    @SuppressWarnings("unchecked") // the parser's objects are Map<String, Object>
    public static Map<String, Object> object(Map<String, ?> m, String key, String where) {
        final Object v = m.get(key);
        if (!(v instanceof Map)) throw error(where, key, "an object", v);
        return (Map<String, Object>) v;
    }

    /** An object whose values are all strings, sorted by key. */
    public static Map<String, String> strings(Map<String, ?> m, String key, String where) {
        final Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : object(m, key, where).entrySet()) {
            if (!(e.getValue() instanceof String)) throw error(where, key + "." + e.getKey(), "a string", e.getValue());
            out.put(e.getKey(), (String) e.getValue());
        }
        return out;
    }

    private static IllegalArgumentException error(String where, String key, String expected, Object found) {
        return new IllegalArgumentException(where + ": '" + key + "' must be " + expected + ", got " + found);
    }
}
