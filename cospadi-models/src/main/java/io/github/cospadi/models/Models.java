package io.github.cospadi.models;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.llama.LlamaGguf;
import io.github.cospadi.models.llama.LlamaModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a language model from disk, choosing the family from the file: a {@code .gguf} file by its
 * {@code general.architecture}, a Hugging Face folder ({@code config.json} + {@code model.safetensors}) by its
 * {@code model_type}. Unsupported families are rejected by name.
 */
public final class Models {
    private Models() {}

    public static LlamaModel load(Path path, Parallelism parallelism) throws IOException {
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) return LlamaGguf.load(path, parallelism);
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("config.json"))) throw new IOException("no config.json in " + path);
            if (!Files.isRegularFile(path.resolve("model.safetensors"))) throw new IOException("no model.safetensors in " + path);
            return LlamaModel.load(path, parallelism);
        }
        if (!Files.exists(path)) throw new IOException("model " + path + " does not exist");
        throw new IOException("model " + path + " is neither a .gguf file nor a Hugging Face folder (config.json + model.safetensors)");
    }

    /** Whether {@code path} is a GGUF file (by name). */
    public static boolean isGguf(Path path) {
        return path.getFileName().toString().endsWith(".gguf");
    }
}
