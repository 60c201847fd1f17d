package io.github.cospadi.cli;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.models.LanguageModel;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.LlamaModel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code cospadi generate}: batch-1 decoding with a key/value cache, greedy by default or seeded nucleus sampling
 * ({@code --top-p P --temperature T --seed S}); {@code --chat} wraps the prompt in the model's ChatML template
 * ({@code <|im_start|>role ... <|im_end|>}, the template of SmolLM2-Instruct; other templates are refused by name).
 * Prints the text and the decode speed (tokens per second after the prompt). {@code --compressed DIR} runs on the
 * compressed layers of a {@code compress} output.
 */
final class GenerateCommand implements Command {
    static final String SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

    @Override
    public String summary() {
        return "generate text from a Llama model (GGUF or HF folder), optionally on its compressed layers; tokens/s";
    }

    @Override
    public String usage() {
        return "--model FILE.gguf|DIR --prompt TEXT [--compressed DIR [--codes int8|float32]] [--tokens N] [--chat] "
                + "[--top-p P] [--temperature T] [--seed S] [--threads T] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path modelPath = o.path("model");
        final String prompt = o.required("prompt");
        final String compressed = o.string("compressed", null);
        final var codes = PerplexityCommand.codes(o.string("codes", "int8"));
        final int tokens = o.integer("tokens", 64);
        final boolean chat = o.flag("chat");
        final double topP = o.real("top-p", 0);
        final double temperature = o.real("temperature", 1);
        final long seed = o.integer("seed", 42);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final boolean json = o.flag("json");
        o.finish();
        if (tokens < 1) throw new Options.UsageException("--tokens must be positive, got " + tokens);
        if (topP < 0 || topP > 1) throw new Options.UsageException("--top-p must be in [0, 1], got " + topP);
        if (!(temperature > 0)) throw new Options.UsageException("--temperature must be positive, got " + temperature);
        final LlamaModel model = Models.load(modelPath, Parallelism.threads(threads));
        if (compressed != null) PerplexityCommand.install(model, Path.of(compressed), codes);
        String text = prompt;
        if (chat) text = chatPrompt(modelPath, prompt);
        final int[] promptIds = model.tokenizer().encode(text);
        final Result r = generate(model, promptIds, tokens, topP, temperature, seed);
        final String completion = model.tokenizer().decode(r.ids);
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", modelPath.toString());
            if (compressed != null) m.put("compressed", compressed);
            m.put("prompt_tokens", promptIds.length);
            m.put("generated_tokens", r.ids.length);
            m.put("tokens_per_second", r.tokensPerSecond);
            m.put("text", completion);
            out.println(Json.object(m));
        } else {
            out.println(completion);
            err.printf(Locale.ROOT, "%d prompt tokens, %d generated at %.2f tokens/s (batch 1, %d threads)%n",
                    promptIds.length, r.ids.length, r.tokensPerSecond, threads);
        }
        return 0;
    }

    record Result(int[] ids, double tokensPerSecond) {}

    /** Decodes up to {@code max} tokens after the prompt; stops at the end-of-sequence token. */
    static Result generate(LanguageModel model, int[] prompt, int max, double topP, double temperature, long seed) {
        if (prompt.length == 0) throw new IllegalArgumentException("prompt must encode to at least one token");
        final LanguageModel.Decoder d = model.decoder(prompt.length + max);
        float[] logits = null;
        for (int t : prompt) logits = d.next(t);
        final SplittableRandom random = new SplittableRandom(seed);
        final int eos = model.tokenizer().eos().orElse(-1);
        final List<Integer> out = new ArrayList<>();
        final long start = System.nanoTime();
        for (int i = 0; i < max; i++) {
            final int next = topP > 0 ? sample(logits, topP, temperature, random) : argmax(logits);
            out.add(next);
            if (next == eos || i == max - 1) break;
            logits = d.next(next);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final int[] ids = out.stream().mapToInt(Integer::intValue).toArray();
        return new Result(ids, ids.length > 1 ? (ids.length - 1) / seconds : 0);
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** Nucleus sampling: the smallest set of most likely tokens whose probability reaches {@code p}, renormalized. */
    static int sample(float[] logits, double p, double temperature, SplittableRandom random) {
        final int v = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        final double[] prob = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) sum += prob[i] = Math.exp((logits[i] - max) / temperature);
        final Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> prob[a] != prob[b] ? Double.compare(prob[b], prob[a]) : Integer.compare(a, b));
        double mass = 0;
        int keep = 0;
        while (keep < v && mass < p * sum) mass += prob[order[keep++]];
        double u = random.nextDouble() * mass;
        for (int i = 0; i < keep; i++) {
            u -= prob[order[i]];
            if (u <= 0) return order[i];
        }
        return order[keep - 1];
    }

    /**
     * The ChatML prompt of an instruct model: the model's template (a GGUF's {@code tokenizer.chat_template}, a
     * directory's {@code tokenizer_config.json} {@code chat_template}) must be ChatML; a model without one is refused.
     */
    static String chatPrompt(Path model, String user) throws java.io.IOException {
        String template = "";
        if (Models.isGguf(model)) {
            try (GgufFile f = GgufFile.open(model)) {
                if (f.has("tokenizer.chat_template")) template = f.string("tokenizer.chat_template");
            }
        } else if (java.nio.file.Files.isRegularFile(model.resolve("tokenizer_config.json"))) {
            final Object t = io.github.cospadi.internal.JsonParser.parseObject(
                    java.nio.file.Files.readString(model.resolve("tokenizer_config.json")), "tokenizer_config.json").get("chat_template");
            if (t instanceof String) template = (String) t;
        }
        if (!template.contains("<|im_start|>")) {
            throw new IllegalArgumentException("--chat: " + model + " has no ChatML chat template (tokenizer.chat_template or "
                    + "tokenizer_config.json chat_template); only ChatML is supported");
        }
        return "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
    }
}
