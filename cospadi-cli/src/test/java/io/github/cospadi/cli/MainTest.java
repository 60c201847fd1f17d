package io.github.cospadi.cli;

import io.github.cospadi.internal.JsonParser;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The command line: usage errors, and small real runs whose JSON output is parsed back. */
class MainTest {
    static final Path MODEL = Path.of("..", "..", "shared", "models", "tinyllama-sotu");

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        final int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommand() {
        final Run r = run("help");
        assertEquals(0, r.code());
        for (String c : List.of("demo", "layers", "compress", "perplexity", "capture-grams", "bench-matrix", "bench-omp", "bench-kernel", "gguf-info", "gguf-dump")) {
            assertTrue(r.out().contains(c), "help lacks " + c);
        }
    }

    @Test
    void usageErrorsNameTheProblem() {
        Run r = run("nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown command 'nope'"), r.err());
        r = run("bench-omp", "--m", "8", "--k", "4", "--n", "3", "--s", "2", "--bogus", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown option --bogus"), r.err());
        r = run("bench-omp", "--m", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--m must be an integer, got 'x'"), r.err());
        r = run("bench-omp", "--m", "8", "--k", "4", "--n", "3", "--s", "5");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("s <= k"), r.err());
        r = run("layers", "--model", "/nonexistent");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no model.safetensors in /nonexistent"), r.err());
    }

    @Test
    void benchOmpPrintsOneJsonObject() {
        final Run r = run("bench-omp", "--m", "24", "--k", "16", "--n", "20", "--s", "3", "--repeat", "1", "--json");
        assertEquals(0, r.code(), r.err());
        final Map<String, Object> m = JsonParser.parseObject(r.out().trim(), "bench-omp output");
        assertTrue(((Number) m.get("seconds")).doubleValue() > 0);
        final double residual = ((Number) m.get("relative_residual")).doubleValue();
        assertTrue(residual > 0 && residual < 1, "relative residual " + residual);
    }

    @Test
    void benchKernelPrintsTheThreeMedians() {
        final Run r = run("bench-kernel", "--rows", "64", "--cols", "48", "--ratio", "0.3", "--calls", "5", "--json");
        assertEquals(0, r.code(), r.err());
        final Map<String, Object> m = JsonParser.parseObject(r.out().trim(), "bench-kernel output");
        for (String k : List.of("dense_seconds", "lowrank_seconds", "compressed_seconds")) assertTrue(((Number) m.get(k)).doubleValue() > 0, k);
    }

    @Test
    void layersReportsPerMatrixJsonAndASummary() {
        assumeTrue(Files.isDirectory(MODEL), "shared model assets absent");
        final Run r = run("layers", "--model", MODEL.toString(), "--ratio", "0.4", "--filter", "layers.5.self_attn.k_proj",
                "--iterations", "3", "--json");
        assertEquals(0, r.code(), r.err());
        final String[] lines = r.out().trim().split("\n");
        assertEquals(2, lines.length, r.out());
        final Map<String, Object> matrix = JsonParser.parseObject(lines[0], "matrix line");
        assertEquals("model.layers.5.self_attn.k_proj.weight", matrix.get("matrix"));
        assertTrue(((Number) matrix.get("ratio")).doubleValue() >= 0.4);
        final Map<String, Object> summary = JsonParser.parseObject(lines[1], "summary line");
        assertEquals(matrix.get("functional_error"), summary.get("mean_functional_error"));
        assertEquals("fast", summary.get("schedule"), "the fast schedule is the default of layers");
        assertTrue(List.of("input", "output").contains(matrix.get("orientation")), "AUTO picks one: " + matrix.get("orientation"));
        final Run input = run("layers", "--model", MODEL.toString(), "--ratio", "0.4", "--filter", "layers.5.self_attn.k_proj",
                "--iterations", "3", "--orientation", "input", "--json");
        assertEquals(0, input.code(), input.err());
        final Map<String, Object> in = JsonParser.parseObject(input.out().trim().split("\n")[0], "matrix line");
        assertEquals("input", in.get("orientation"));
        // AUTO keeps the lower of the two errors
        assertTrue(((Number) matrix.get("functional_error")).doubleValue() <= ((Number) in.get("functional_error")).doubleValue());
        final Run reference = run("layers", "--model", MODEL.toString(), "--ratio", "0.4", "--filter", "layers.5.self_attn.k_proj",
                "--iterations", "3", "--orientation", "input", "--reference", "--json");
        assertEquals(0, reference.code(), reference.err());
        final String[] referenceLines = reference.out().trim().split("\n");
        assertEquals("reference", JsonParser.parseObject(referenceLines[1], "summary line").get("schedule"));
        assertNotEquals(in.get("functional_error"), JsonParser.parseObject(referenceLines[0], "matrix line").get("functional_error"));
        final Run bad = run("layers", "--model", MODEL.toString(), "--orientation", "sideways");
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("--orientation must be input, output or auto, got 'sideways'"), bad.err());
    }

    /** compress with shared dictionaries (pairs) → the pair files, the achieved ratio, perplexity on the shared layers. */
    @Test
    void compressWithPairsWritesOneFilePerPairAndRunsTheSharedLayers(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(MODEL.resolve("model.safetensors")), "tiny Llama not available");
        final String text = "../../shared/data/sotu";
        assumeTrue(Files.isDirectory(Path.of(text)), "SOTU text not available");
        final Path out = dir.resolve("pairs");
        Run r = run("compress", "--model", MODEL.toString(), "--calibration", text, "--ratio", "0.4", "--method", "basis-sharing",
                "--grouping", "pairs", "--calibration-windows", "4", "--factors", "INT8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("grouping pairs: 27 groups; achieved ratio 0.4"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("compressed").resolve("layers-0-1.cspd")));
        assertFalse(Files.exists(out.resolve("compressed").resolve("layer-0.cspd")));
        final Run layers = run("perplexity", "--model", MODEL.toString(), "--compressed", out.toString(), "--text", text, "--windows", "4", "--json");
        final Run recon = run("perplexity", "--model", out.toString(), "--text", text, "--windows", "4", "--json");
        assertEquals(0, layers.code(), layers.err());
        final double l = ((Number) JsonParser.parseObject(layers.out().trim(), "layers").get("nats_per_byte")).doubleValue();
        final double c = ((Number) JsonParser.parseObject(recon.out().trim(), "recon").get("nats_per_byte")).doubleValue();
        assertEquals(c, l, 0.02, "the shared int8 layers run close to the reconstruction");
        r = run("compress", "--model", MODEL.toString(), "--ratio", "0.4", "--grouping", "nowhere.json", "--out", dir.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--grouping must be none, pairs, pairs-all or a JSON file"), r.err());
        r = run("compress", "--model", MODEL.toString(), "--ratio", "0.4", "--rho", "auto", "--grouping", "pairs", "--out", dir.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--rho auto chooses k/s per projection type on single matrices; it cannot be combined with --grouping pairs"), r.err());
        r = run("compress", "--model", MODEL.toString(), "--ratio", "0.4", "--rho", "auto", "--method", "svd-llm", "--out", dir.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--rho applies to cospadi, not to svd-llm"), r.err());
        r = run("compress", "--model", MODEL.toString(), "--ratio", "0.4", "--square", "type", "--grouping", "pairs", "--out", dir.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--square type chooses the side of each square projection type under --orientation auto, for per-matrix cospadi jobs"), r.err());
        r = run("compress", "--model", MODEL.toString(), "--ratio", "0.4", "--square", "type", "--orientation", "input", "--out", dir.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--square type chooses the side"), r.err());
        r = run("layers", "--model", MODEL.toString(), "--ratio", "0.4", "--square", "type");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--square must be both, input, output, got 'type'"), r.err());
        assertFalse(Files.exists(dir.resolve("x")), "nothing written by a refused command");
    }

    /** compress → perplexity on the reconstruction and on the compressed layers → generate, on the tiny Llama. */
    @Test
    void compressThenRunTheCompressedModel(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(MODEL) && Files.isDirectory(Path.of("..", "..", "shared", "data", "sotu")), "shared assets absent");
        final Path out = dir.resolve("c");
        final String text = Path.of("..", "..", "shared", "data", "sotu").toString();
        Run r = run("compress", "--model", MODEL.toString(), "--calibration", text, "--ratio", "0.4", "--iterations", "2", "--calibration-windows", "4",
                "--factors", "INT8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("compressed 42 projections"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")) && Files.isRegularFile(out.resolve("config.json")));
        assertTrue(Files.isRegularFile(out.resolve("compressed").resolve("layer-5.cspd")));
        // an existing output is refused, not overwritten
        r = run("compress", "--model", MODEL.toString(), "--calibration", text, "--ratio", "0.4", "--iterations", "2", "--calibration-windows", "4", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("output " + out + " already exists"), r.err());
        final Run dense = run("perplexity", "--model", MODEL.toString(), "--text", text, "--windows", "8", "--json");
        final Run recon = run("perplexity", "--model", out.toString(), "--text", text, "--windows", "8", "--json");
        final Run layers = run("perplexity", "--model", MODEL.toString(), "--compressed", out.toString(), "--text", text, "--windows", "8", "--json");
        for (Run x : List.of(dense, recon, layers)) assertEquals(0, x.code(), x.err());
        final double d = ((Number) JsonParser.parseObject(dense.out().trim(), "dense").get("nats_per_byte")).doubleValue();
        final double c = ((Number) JsonParser.parseObject(recon.out().trim(), "recon").get("nats_per_byte")).doubleValue();
        final double l = ((Number) JsonParser.parseObject(layers.out().trim(), "layers").get("nats_per_byte")).doubleValue();
        assertTrue(c > d, "compression costs loss: " + c + " vs dense " + d);
        assertEquals(c, l, 0.02, "the int8 layers run close to the reconstruction they were stored from");
        final Run g = run("generate", "--model", MODEL.toString(), "--compressed", out.toString(), "--prompt", "The Union", "--tokens", "5", "--json");
        assertEquals(0, g.code(), g.err());
        assertEquals(5, ((Number) JsonParser.parseObject(g.out().trim(), "generate").get("generated_tokens")).intValue());
    }

    /**
     * A GGUF source with a BPE tokenizer: the Hugging Face export beside model.gguf carries tokenizer.json and
     * tokenizer_config.json (with the source's chat template), so the exported directory loads on its own with the
     * same tokenizer and runs like model.gguf; every file is readable by others (rw-r--r--).
     */
    @Test
    void compressOfAGgufExportsItsTokenizer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(MODEL) && Files.isDirectory(Path.of("..", "..", "shared", "data", "sotu")), "shared assets absent");
        final io.github.cospadi.models.llama.LlamaModel tiny = io.github.cospadi.models.llama.LlamaModel.load(MODEL, io.github.cospadi.common.Parallelism.sequential());
        final io.github.cospadi.models.llama.LlamaConfig c = tiny.config();
        final io.github.cospadi.io.GgufWriter w = new io.github.cospadi.io.GgufWriter();
        w.put("general.architecture", "llama");
        w.put("llama.block_count", io.github.cospadi.io.GgufValueType.UINT32, c.layers());
        w.put("llama.context_length", io.github.cospadi.io.GgufValueType.UINT32, c.contextLength());
        w.put("llama.embedding_length", io.github.cospadi.io.GgufValueType.UINT32, c.hiddenSize());
        w.put("llama.feed_forward_length", io.github.cospadi.io.GgufValueType.UINT32, c.intermediateSize());
        w.put("llama.attention.head_count", io.github.cospadi.io.GgufValueType.UINT32, c.heads());
        w.put("llama.attention.head_count_kv", io.github.cospadi.io.GgufValueType.UINT32, c.kvHeads());
        w.put("llama.rope.freq_base", io.github.cospadi.io.GgufValueType.FLOAT32, c.ropeTheta());
        w.put("llama.attention.layer_norm_rms_epsilon", io.github.cospadi.io.GgufValueType.FLOAT32, c.rmsNormEps());
        w.put("tokenizer.ggml.model", "gpt2");
        w.put("tokenizer.ggml.pre", "smollm");
        final java.util.List<String> tokens = new java.util.ArrayList<>();
        int next = 256;
        for (int b = 0; b < 256; b++) { // GPT-2's byte-level alphabet: printable bytes stand for themselves
            final boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            tokens.add(String.valueOf((char) (printable ? b : next++)));
        }
        w.putArray("tokenizer.ggml.tokens", io.github.cospadi.io.GgufValueType.STRING, tokens);
        w.putArray("tokenizer.ggml.merges", io.github.cospadi.io.GgufValueType.STRING, List.of());
        w.put("tokenizer.ggml.bos_token_id", io.github.cospadi.io.GgufValueType.UINT32, 1);
        w.put("tokenizer.ggml.eos_token_id", io.github.cospadi.io.GgufValueType.UINT32, 2);
        w.put("tokenizer.chat_template", "{% for m in messages %}{{ m.content }}{% endfor %}");
        final Path gguf = dir.resolve("tiny.gguf");
        io.github.cospadi.models.llama.LlamaGguf.write(tiny, w, gguf, io.github.cospadi.io.GgmlType.F32);

        final Path out = dir.resolve("c");
        final Run r = run("compress", "--model", gguf.toString(), "--calibration", Path.of("..", "..", "shared", "data", "sotu").toString(),
                "--ratio", "0.4", "--iterations", "2", "--calibration-windows", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "config.json", "model.safetensors", "model.gguf")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing from " + out);
            assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(f))), f);
        }
        final Map<String, Object> config = JsonParser.parseObject(Files.readString(out.resolve("tokenizer_config.json")), "tokenizer_config.json");
        assertEquals("{% for m in messages %}{{ m.content }}{% endfor %}", config.get("chat_template"));
        final io.github.cospadi.models.llama.LlamaModel fromDir = io.github.cospadi.models.llama.LlamaModel.load(out, io.github.cospadi.common.Parallelism.sequential());
        final io.github.cospadi.models.llama.LlamaModel fromGguf = io.github.cospadi.models.llama.LlamaGguf.load(out.resolve("model.gguf"), io.github.cospadi.common.Parallelism.sequential());
        final String text = "The State of the Union, 2024: \"strong\" and 1999 é!";
        final int[] ids = fromGguf.tokenizer().encode(text);
        assertArrayEquals(ids, fromDir.tokenizer().encode(text));
        assertEquals(fromGguf.tokenizer().bos(), fromDir.tokenizer().bos());
        assertEquals(fromGguf.tokenizer().eos(), fromDir.tokenizer().eos());
        final float[] a = fromDir.logits(ids, null).data, b = fromGguf.logits(ids, null).data;
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-3, "logit " + i);

        // layers reads a GGUF model's projections with Grams captured from it (and needs --grams for it)
        final Path grams = dir.resolve("g.safetensors");
        Run g = run("capture-grams", "--model", gguf.toString(), "--calibration", Path.of("..", "..", "shared", "data", "sotu").toString(),
                "--calibration-windows", "2", "--out", grams.toString());
        assertEquals(0, g.code(), g.err());
        Run l = run("layers", "--model", gguf.toString(), "--grams", grams.toString(), "--method", "svd-llm", "--ratio", "0.3",
                "--filter", "layers.0.", "--threads", "1", "--json");
        assertEquals(0, l.code(), l.err());
        assertEquals(7, l.out().lines().filter(x -> x.contains("\"functional_error\"") && x.contains("layers.0.")).count(), l.out());
        l = run("layers", "--model", gguf.toString(), "--method", "svd-llm");
        assertEquals(1, l.code());
        assertTrue(l.err().contains("--grams is required with a GGUF model"), l.err());
    }
}
