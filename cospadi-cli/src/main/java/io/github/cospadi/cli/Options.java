package io.github.cospadi.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} and {@code --flag} options. Every option must be consumed by the command; {@link #finish()}
 * rejects the ones nobody asked for, so a typo never passes silently.
 */
public final class Options {
    /** A usage error: missing, malformed or unknown option. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    static Options parse(String[] args) {
        final Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) throw new UsageException("unexpected argument '" + a + "'");
            final String name = a.substring(2);
            final int eq = name.indexOf('=');
            if (eq >= 0) {
                o.values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                o.values.put(name, args[++i]);
            } else {
                o.values.put(name, null);
            }
        }
        return o;
    }

    public boolean flag(String name) {
        used.add(name);
        if (!values.containsKey(name)) return false;
        if (values.get(name) != null) throw new UsageException("--" + name + " takes no value, got '" + values.get(name) + "'");
        return true;
    }

    public String string(String name, String defaultValue) {
        used.add(name);
        if (!values.containsKey(name)) return defaultValue;
        final String v = values.get(name);
        if (v == null) throw new UsageException("--" + name + " needs a value");
        return v;
    }

    public String required(String name) {
        final String v = string(name, null);
        if (v == null) throw new UsageException("missing --" + name);
        return v;
    }

    public Path path(String name) {
        return Path.of(required(name));
    }

    public int integer(String name, int defaultValue) {
        final String v = string(name, null);
        if (v == null) return defaultValue;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public double real(String name, double defaultValue) {
        final String v = string(name, null);
        if (v == null) return defaultValue;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** Throws for any option the command did not read. */
    public void finish() {
        for (String name : values.keySet()) {
            if (!used.contains(name)) throw new UsageException("unknown option --" + name);
        }
    }
}
