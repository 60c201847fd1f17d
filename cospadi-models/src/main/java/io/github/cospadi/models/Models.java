package io.github.cospadi.models;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.llama.LlamaGguf;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.llama.LlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a language model from disk, choosing the family from the file: a {@code .gguf} file by its
 * {@code general.architecture}, a Hugging Face folder ({@code config.json} + {@code model.safetensors}) by its
 * {@code model_type}. Unsupported families are rejected by name. {@link #weights} opens the same files for their
 * projection weights alone, read one tensor at a time.
 */
public final class Models {
    private Models() {}

    public static LlamaModel load(Path path, Parallelism parallelism) throws IOException {
        return ggufFile(path) ? LlamaGguf.load(path, parallelism) : LlamaModel.load(path, parallelism);
    }

    /**
     * The projection weights of the model at {@code path} (a file or folder {@link #load} accepts) without loading it:
     * the header is read and checked now, each weight decoded from the file when it is asked for, bit-identical to
     * {@code load(path, …).weight(name)}. What a compression task needs; close it when done.
     */
    public static LlamaWeights weights(Path path) throws IOException {
        return ggufFile(path) ? LlamaWeights.gguf(path) : LlamaWeights.folder(path);
    }

    /** True for a {@code .gguf} file, false for a Hugging Face folder; an exception naming what is missing otherwise. */
    private static boolean ggufFile(Path path) throws IOException {
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) return true;
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("config.json"))) throw new IOException("no config.json in " + path);
            if (!Files.isRegularFile(path.resolve("model.safetensors"))) throw new IOException("no model.safetensors in " + path);
            return false;
        }
        if (!Files.exists(path)) throw new IOException("model " + path + " does not exist");
        throw new IOException("model " + path + " is neither a .gguf file nor a Hugging Face folder (config.json + model.safetensors)");
    }

    /** Whether {@code path} is a GGUF file (by name). */
    public static boolean isGguf(Path path) {
        return path.getFileName().toString().endsWith(".gguf");
    }
}
