package io.github.cospadi.cli;

import io.github.cospadi.io.GgufArray;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.GgufTensor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cospadi gguf-info}: the version, the metadata (arrays summarized by element type, length and first
 * elements; long strings cut) and the tensor table of a GGUF file.
 */
final class GgufInfoCommand implements Command {
    private static final int MAX_CHARS = 96;
    private static final int SHOWN = 4;

    @Override
    public String summary() {
        return "print the version, metadata and tensor table of a GGUF file";
    }

    @Override
    public String usage() {
        return "--model FILE.gguf";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path model = o.path("model");
        o.finish();
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("--model: no such file " + model);
        try (GgufFile gguf = GgufFile.open(model)) {
            out.printf(Locale.ROOT, "%s: GGUF version %d, %d metadata entries, %d tensors, alignment %d, data at byte %d%n", model,
                    gguf.version(), gguf.metadata().size(), gguf.tensors().size(), gguf.alignment(), gguf.dataOffset());
            out.println("metadata:");
            for (Map.Entry<String, Object> e : gguf.metadata().entrySet()) {
                out.printf(Locale.ROOT, "  %s = %s%n", e.getKey(), describe(e.getValue(), gguf.valueType(e.getKey()).toString()));
            }
            out.println("tensors:");
            int width = 4;
            for (GgufTensor t : gguf.tensors()) width = Math.max(width, t.name().length());
            out.printf(Locale.ROOT, "  %-" + width + "s  %-6s  %-24s  %12s  %12s%n", "name", "type", "dims (ne0 first)", "bytes", "offset");
            long bytes = 0, elements = 0;
            for (GgufTensor t : gguf.tensors()) {
                out.printf(Locale.ROOT, "  %-" + width + "s  %-6s  %-24s  %12d  %12d%n", t.name(), t.type(), Arrays.toString(t.dims()), t.bytes(), t.offset());
                bytes += t.bytes();
                elements += t.elements();
            }
            out.printf(Locale.ROOT, "%d tensors, %d elements, %d bytes of tensor data%n", gguf.tensors().size(), elements, bytes);
        }
        return 0;
    }

    /** A value on one line: strings quoted and cut, arrays as [n × TYPE] and their first elements. */
    static String describe(Object v, String type) {
        if (v instanceof GgufArray) {
            final GgufArray a = (GgufArray) v;
            final StringBuilder s = new StringBuilder("[").append(a.size()).append(" × ").append(a.elementType()).append(']');
            for (int i = 0; i < Math.min(SHOWN, a.size()); i++) s.append(i == 0 ? " " : ", ").append(describe(a.get(i), null));
            if (a.size() > SHOWN) s.append(", ...");
            return s.toString();
        }
        final String text = v instanceof String ? quote((String) v) : String.valueOf(v);
        return type == null ? text : text + "  (" + type + ")";
    }

    private static String quote(String s) {
        final StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && b.length() < MAX_CHARS; i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        b.append('"');
        if (b.length() >= MAX_CHARS) b.append("... (").append(s.length()).append(" chars)");
        return b.toString();
    }
}
