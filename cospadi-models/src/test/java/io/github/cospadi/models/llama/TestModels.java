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
}
