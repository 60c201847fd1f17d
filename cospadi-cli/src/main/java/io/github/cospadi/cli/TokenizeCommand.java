package io.github.cospadi.cli;

import io.github.cospadi.models.tokenizer.BpeTokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** {@code cospadi tokenize}: the token ids of every {@code *.txt} file of a directory, as one JSON object. */
final class TokenizeCommand implements Command {
    @Override
    public String summary() {
        return "token ids of every *.txt in a directory, with a byte-level BPE tokenizer.json";
    }

    @Override
    public String usage() {
        return "--tokenizer FILE.json --text DIR --out FILE.json [--no-parse-special] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path tokenizerPath = o.path("tokenizer");
        final Path dir = o.path("text");
        final Path target = o.path("out");
        final boolean parseSpecial = !o.flag("no-parse-special");
        final boolean json = o.flag("json");
        o.finish();
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--text " + dir + " is not a directory");
        final BpeTokenizer tokenizer = BpeTokenizer.fromTokenizerJson(tokenizerPath);
        final List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".txt") && Files.isRegularFile(p)).sorted().forEach(files::add);
        }
        if (files.isEmpty()) throw new IllegalArgumentException("--text " + dir + " has no *.txt files");
        final Map<String, int[]> ids = new LinkedHashMap<>();
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0, cpuNanos = 0, tokens = 0, bytes = 0;
        for (Path f : files) {
            final String text = Files.readString(f, StandardCharsets.UTF_8);
            final long t0 = System.nanoTime(), c0 = threads.getCurrentThreadCpuTime();
            final int[] encoded = tokenizer.encode(text, parseSpecial);
            cpuNanos += threads.getCurrentThreadCpuTime() - c0;
            nanos += System.nanoTime() - t0;
            ids.put(f.getFileName().toString(), encoded);
            tokens += encoded.length;
            bytes += text.getBytes(StandardCharsets.UTF_8).length;
        }
        write(target, ids);
        final double seconds = nanos * 1e-9, cpu = cpuNanos * 1e-9;
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("files", files.size());
            m.put("tokens", tokens);
            m.put("bytes", bytes);
            m.put("encode_seconds", seconds);
            m.put("encode_cpu_seconds", cpu);
            m.put("tokens_per_cpu_second", tokens / cpu);
            out.println(Json.object(m));
        } else {
            // one pass, cold JIT and an empty word cache; CPU time of the encoding thread (JIT and GC threads excluded)
            out.printf(Locale.ROOT, "%d files, %d tokens, %d bytes; encoding took %.3f s (%.3f s CPU): %.0f tokens per CPU second, "
                    + "%.2f MB per CPU second (%s)%n", files.size(), tokens, bytes, seconds, cpu, tokens / cpu, bytes / cpu / 1e6, tokenizer);
        }
        return 0;
    }

    /** {"file name": [ids...], ...} through a temporary file moved into place, so a failure leaves no partial file. */
    private static void write(Path target, Map<String, int[]> ids) throws IOException {
        final StringBuilder b = new StringBuilder("{");
        String sep = "\n";
        for (Map.Entry<String, int[]> e : ids.entrySet()) {
            b.append(sep).append(Json.string(e.getKey())).append(": [");
            final int[] v = e.getValue();
            for (int i = 0; i < v.length; i++) {
                if (i > 0) b.append(',');
                b.append(v[i]);
            }
            b.append(']');
            sep = ",\n";
        }
        b.append("\n}\n");
        io.github.cospadi.io.AtomicFiles.writeString(target, b);
    }
}
