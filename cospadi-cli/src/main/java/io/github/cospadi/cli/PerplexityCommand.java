package io.github.cospadi.cli;

import io.github.cospadi.Parallelism;
import io.github.cospadi.models.llama.ByteCorpus;
import io.github.cospadi.models.llama.Evaluation;
import io.github.cospadi.models.llama.LlamaModel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code cospadi perplexity}: held-out loss of a byte-level Llama checkpoint on the SOTU addresses from 2000 on. */
final class PerplexityCommand implements Command {
    static final String DEFAULT_TEXT = "../shared/data/sotu";

    @Override
    public String summary() {
        return "held-out nats/byte, bits/byte and perplexity of a byte-level Llama checkpoint";
    }

    @Override
    public String usage() {
        return "--model DIR [--text TEXT_DIR] [--windows N] [--threads T] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path model = o.path("model");
        final Path text = Path.of(o.string("text", DEFAULT_TEXT));
        final int windows = o.integer("windows", 512);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final boolean json = o.flag("json");
        o.finish();
        final double nats = heldOut(LlamaModel.load(model, Parallelism.threads(threads)), text, windows);
        final double bits = nats / Math.log(2);
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("nats_per_byte", nats);
            m.put("bits_per_byte", bits);
            m.put("perplexity", Math.exp(nats));
            m.put("windows", windows);
            out.println(Json.object(m));
        } else {
            out.printf(Locale.ROOT, "%s: %.4f nats/byte, %.4f bits/byte, perplexity %.4f per byte (%d held-out windows of 128 bytes)%n",
                    model, nats, bits, Math.exp(nats), windows);
        }
        return 0;
    }

    /** Held-out selection: addresses from 2000 on, {@code windows} evenly spaced windows of 128 bytes. */
    static double heldOut(LlamaModel model, Path text, int windows) throws java.io.IOException {
        return Evaluation.natsPerByte(model, ByteCorpus.years(text, 2000, 10000).evenlySpacedWindows(windows, 128));
    }
}
