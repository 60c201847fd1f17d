package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.GgmlType;

import java.io.IOException;
import java.nio.file.Path;

/** Public entry for tests in other packages: a random tiny Llama written as a GGUF file. */
public final class TestModels {
    private TestModels() {}

    /** Writes a random tiny byte-vocabulary Llama to {@code file} and returns the model as written. */
    public static LlamaModel tinyGguf(Path file, long seed) throws IOException {
        final LlamaConfig c = TinyLlamas.config(true);
        final LlamaModel m = TinyLlamas.random(c, seed, null, Parallelism.sequential());
        LlamaGguf.write(m, LlamaGgufTest.metadata(c, "llama"), file, GgmlType.F32);
        return m;
    }

    /**
     * Writes a random tiny byte-vocabulary Llama with ffn 64 to {@code file}, its projections and embedding stored as
     * {@code type} (F32, F16, BF16 or Q8_0), and returns the model as generated (before any quantization).
     */
    public static LlamaModel tinyGguf(Path file, long seed, GgmlType type) throws IOException {
        final LlamaConfig c = TinyLlamas.blockConfig(true);
        final LlamaModel m = TinyLlamas.random(c, seed, null, Parallelism.sequential());
        LlamaGguf.write(m, LlamaGgufTest.metadata(c, "llama"), file, type);
        return m;
    }
}
