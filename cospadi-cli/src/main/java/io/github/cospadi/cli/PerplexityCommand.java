package io.github.cospadi.cli;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.CompressedFormat;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.ByteCorpus;
import io.github.cospadi.models.llama.Evaluation;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.text.Perplexity;
import io.github.cospadi.models.text.TokenWindows;
import io.github.cospadi.models.tokenizer.ByteTokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code cospadi perplexity}: held-out loss of a Llama-family model on the SOTU addresses from 2000 on. For a BPE model:
 * each address in file-name order tokenized whole (no BOS), cut into consecutive 256-token windows (a shorter tail
 * dropped), the first {@code --windows N} (default all), every token after the first of a window scored; prints nats
 * per token, perplexity, nats per byte (over the UTF-8 bytes of the scored tokens) and the token count. For the
 * byte-level tiny Llama, the protocol of docs/benchmarks.md §3: 512 evenly spaced windows of 128 bytes.
 * {@code --compressed DIR} runs the model on the compressed layers of a {@code compress} output themselves (INT8 codes
 * by default, {@code --codes float32}), not on their reconstruction.
 */
final class PerplexityCommand implements Command {
    static final String DEFAULT_TEXT = "../shared/data/sotu";

    @Override
    public String summary() {
        return "held-out perplexity of a Llama model (GGUF or HF folder), optionally running on its compressed layers";
    }

    @Override
    public String usage() {
        return "--model FILE.gguf|DIR [--compressed DIR [--codes int8|float32]] [--text TEXT_DIR] [--windows N] [--threads T] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path modelPath = o.path("model");
        final Path text = Path.of(o.string("text", DEFAULT_TEXT));
        final String windowsOption = o.string("windows", null);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final String compressed = o.string("compressed", null);
        final CompressedLinear.CodePrecision codes = codes(o.string("codes", "int8"));
        final boolean json = o.flag("json");
        o.finish();
        final LlamaModel model = Models.load(modelPath, Parallelism.threads(threads));
        if (compressed != null) install(model, Path.of(compressed), codes);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelPath.toString());
        if (compressed != null) m.put("compressed", compressed);
        if (model.tokenizer() == ByteTokenizer.INSTANCE) {
            final int windows = windowsOption == null ? 512 : o.integer("windows", 512);
            final double nats = heldOut(model, text, windows);
            m.put("nats_per_byte", nats);
            m.put("bits_per_byte", nats / Math.log(2));
            m.put("perplexity", Math.exp(nats));
            m.put("windows", windows);
            if (json) out.println(Json.object(m));
            else out.printf(Locale.ROOT, "%s: %.4f nats/byte, %.4f bits/byte, perplexity %.4f per byte (%d held-out windows of 128 bytes)%n",
                    modelPath, nats, nats / Math.log(2), Math.exp(nats), windows);
            return 0;
        }
        final int count = windowsOption == null ? 0 : Integer.parseInt(windowsOption);
        final List<int[]> windows = TokenWindows.first(model.tokenizer(), text, 2000, 10000, 256, count);
        final long start = System.nanoTime();
        final Perplexity.Score s = Perplexity.evaluate(model, windows, threads, (done, total) -> {
            if (!json && (done % 16 == 0 || done == total)) {
                final double sec = (System.nanoTime() - start) / 1e9;
                err.printf(Locale.ROOT, "  %d/%d windows (%.1f s, ETA %.0f s)%n", done, total, sec, sec * (total - done) / done);
            }
            return true;
        });
        m.put("nats_per_token", s.natsPerToken());
        m.put("perplexity", s.perplexity());
        m.put("nats_per_byte", s.natsPerByte());
        m.put("tokens", s.tokens());
        m.put("windows", windows.size());
        m.put("seconds", (System.nanoTime() - start) / 1e9);
        if (json) out.println(Json.object(m));
        else out.printf(Locale.ROOT, "%s%s: %.4f nats/token, perplexity %.3f, %.4f nats/byte (%d tokens in %d windows of 256 from the addresses since 2000)%n",
                modelPath, compressed == null ? "" : " on " + compressed, s.natsPerToken(), s.perplexity(), s.natsPerByte(), s.tokens(), windows.size());
        return 0;
    }

    static CompressedLinear.CodePrecision codes(String name) {
        switch (name) {
            case "int8": return CompressedLinear.CodePrecision.INT8;
            case "f32":
            case "float32": return CompressedLinear.CodePrecision.F32;
            default: throw new Options.UsageException("--codes must be int8 or f32 (float32), got '" + name + "'");
        }
    }

    /**
     * Replaces every projection stored in {@code dir/compressed/*.cspd} (or {@code dir/*.cspd}) by its run-time layer:
     * INT8 files as stored (their int8 codes read as they are, not quantized again), other layouts with codes at
     * {@code codes}.
     */
    static int install(LlamaModel model, Path dir, CompressedLinear.CodePrecision codes) throws IOException {
        final Path folder = Files.isDirectory(dir.resolve("compressed")) ? dir.resolve("compressed") : dir;
        final List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".cspd")).sorted().collect(Collectors.toList());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("compressed folder " + dir + " does not exist");
        }
        if (files.isEmpty()) throw new IOException("no .cspd file in " + folder);
        int n = 0;
        for (Path f : files) {
            for (Map.Entry<String, LinearOperator> e : CompressedFormat.readLayers(f, codes).entrySet()) {
                model.replace(e.getKey(), e.getValue());
                n++;
            }
        }
        return n;
    }

    /** Held-out selection of the byte-level model: addresses from 2000 on, {@code windows} evenly spaced windows of 128 bytes. */
    static double heldOut(LlamaModel model, Path text, int windows) throws IOException {
        return Evaluation.natsPerByte(model, ByteCorpus.years(text, 2000, 10000).evenlySpacedWindows(windows, 128));
    }
}
