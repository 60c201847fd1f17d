package io.github.cospadi.models.job;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.io.CompressedFormat;
import io.github.cospadi.io.DType;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.SafeTensorsWriter;
import io.github.cospadi.kernel.DenseLinear;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.LlamaGguf;
import io.github.cospadi.models.llama.LlamaModel;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The assembly stage of a Llama job: the compressed model file and the dense exports, written into a local folder
 * {@code out} (each file atomically): the factors by layer ({@code compressed/layer-N.cspd}, in the chosen layout),
 * the dense reconstruction as Hugging Face safetensors ({@code model.safetensors} + {@code config.json} + the
 * tokenizer files, {@link #writeTokenizer}) and, for a
 * GGUF source, as GGUF ({@code model.gguf}, the source's metadata and tokenizer).
 */
public final class JobAssembly {
    private JobAssembly() {}

    /**
     * Replaces every projection of {@code model} by the reconstruction of its factors and writes the outputs.
     *
     * @param source      the model's source file or folder (a {@code .gguf} source also gets {@code model.gguf})
     * @param description the safetensors metadata {@code cospadi} (method and settings)
     * @return the written files (relative to {@code out}) with their SHA-256, for the manifest
     */
    public static Map<String, String> writeLlama(LlamaModel model, Map<String, CompressedMatrix> factors, Path source, Path out,
                                                 CompressedFormat.Precision layout, DType dtype, GgmlType ggufType,
                                                 String description) throws IOException {
        return writeLlama(model, factors, java.util.Set.of(), source, out, layout, dtype, ggufType, description);
    }

    /**
     * As {@link #writeLlama(LlamaModel, Map, Path, Path, CompressedFormat.Precision, DType, GgmlType, String)}, with the
     * projections an adaptive allocation keeps dense ({@link CompressionJob#keptDense(io.github.cospadi.models.ProjectionWeights)}):
     * they have no factors and keep their weights.
     */
    public static Map<String, String> writeLlama(LlamaModel model, Map<String, CompressedMatrix> factors, java.util.Set<String> keptDense,
                                                 Path source, Path out, CompressedFormat.Precision layout, DType dtype, GgmlType ggufType,
                                                 String description) throws IOException {
        for (String n : model.projectionNames()) {
            if (!factors.containsKey(n) && !keptDense.contains(n)) throw new IllegalArgumentException("no factors for projection '" + n + "'");
            if (factors.containsKey(n) && keptDense.contains(n)) throw new IllegalArgumentException("projection '" + n + "' is kept dense but has factors");
        }
        for (Map.Entry<String, CompressedMatrix> e : factors.entrySet()) model.replace(e.getKey(), DenseLinear.wrap(e.getValue().reconstruct()));
        final Map<String, String> written = writeFactorFiles(model, factors, out, layout);
        written.putAll(writeDense(model, source, out, dtype, ggufType, description));
        return written;
    }

    /**
     * The factors by layer under {@code out/compressed}: {@code layer-N.cspd}, or {@code layers-A-B.cspd} for a span of
     * layers that shared dictionaries join (projections whose factors reference one dictionary object: a group of
     * docs/design.md §5.8 stored once, format version 4). A projection without factors (kept dense by an adaptive plan)
     * is left out. Returns the written files (relative to {@code out}) with their SHA-256.
     */
    public static Map<String, String> writeFactorFiles(LlamaModel model, Map<String, CompressedMatrix> factors, Path out,
                                                       CompressedFormat.Precision layout) throws IOException {
        Files.createDirectories(out.resolve("compressed"));
        final int perLayer = LlamaModel.PROJECTIONS.size(), layers = model.config().layers();
        final List<String> names = model.projectionNames();
        for (String n : factors.keySet()) {
            if (!names.contains(n)) throw new IllegalArgumentException("factors for '" + n + "', which is not a projection of " + model.name());
        }
        // spanEnd[l]: the last layer that a dictionary used in layer l reaches
        final int[] spanEnd = new int[layers];
        for (int l = 0; l < layers; l++) spanEnd[l] = l;
        final Map<org.ejml.data.FMatrixRMaj, Integer> firstLayer = new java.util.IdentityHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            final CompressedMatrix c = factors.get(names.get(i));
            if (c == null) continue;
            final int l = i / perLayer;
            final int first = firstLayer.computeIfAbsent(c.dictionaryView(), d -> l);
            spanEnd[first] = Math.max(spanEnd[first], l);
        }
        final Map<String, String> written = new TreeMap<>();
        for (int l = 0; l < layers; ) {
            int last = spanEnd[l];
            for (int q = l; q <= last; q++) last = Math.max(last, spanEnd[q]);
            final Map<String, CompressedMatrix> span = new LinkedHashMap<>();
            for (int q = l * perLayer; q < (last + 1) * perLayer; q++) {
                final CompressedMatrix c = factors.get(names.get(q));
                if (c != null) span.put(names.get(q), c);
            }
            if (!span.isEmpty()) {
                final String file = "compressed/" + (l == last ? "layer-" + l : "layers-" + l + "-" + last) + ".cspd";
                CompressedFormat.write(out.resolve(file), span, layout);
                written.put(file, sha256(out.resolve(file)));
            }
            l = last + 1;
        }
        return written;
    }

    /**
     * The dense exports of {@code model} as it now runs (each projection's current operator, made dense): Hugging Face
     * safetensors ({@code model.safetensors}, {@code config.json} and the tokenizer files, {@link #writeTokenizer}) and,
     * for a GGUF source, {@code model.gguf}. Returns the written files (relative to {@code out}) with their SHA-256.
     *
     * @param description the safetensors metadata {@code cospadi} (method and settings)
     */
    public static Map<String, String> writeDense(LlamaModel model, Path source, Path out, DType dtype, GgmlType ggufType,
                                                 String description) throws IOException {
        final Map<String, String> written = new TreeMap<>();
        final SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("cospadi", description);
        for (Map.Entry<String, Object> e : model.tensors().entrySet()) {
            if (e.getValue() instanceof FMatrixRMaj) {
                final FMatrixRMaj m = (FMatrixRMaj) e.getValue();
                w.add(e.getKey(), dtype, new long[]{m.numRows, m.numCols}, m.data);
            } else {
                final float[] v = (float[]) e.getValue();
                w.add(e.getKey(), dtype, new long[]{v.length}, v);
            }
        }
        w.write(out.resolve("model.safetensors"));
        written.put("model.safetensors", sha256(out.resolve("model.safetensors")));
        JobStore.local(out).write("config.json", MiniJson.write(model.config().toHuggingFace()).getBytes(StandardCharsets.UTF_8));
        written.put("config.json", sha256(out.resolve("config.json")));
        for (String f : writeTokenizer(model, source, out)) written.put(f, sha256(out.resolve(f)));
        if (Models.isGguf(source)) {
            try (GgufFile g = GgufFile.open(source)) {
                LlamaGguf.write(model, g, out.resolve("model.gguf"), ggufType);
            }
            written.put("model.gguf", sha256(out.resolve("model.gguf")));
        }
        return written;
    }

    /**
     * The tokenizer files beside the Hugging Face export: a source directory's own {@code tokenizer.json},
     * {@code tokenizer_config.json} and {@code special_tokens_map.json} copied as they are; for a GGUF source the
     * BPE tokenizer of its metadata written as {@code tokenizer.json} and {@code tokenizer_config.json} (with the
     * chat template when the file has one); nothing for the byte-level vocabulary (the loader's default). Returns the
     * written file names.
     */
    public static List<String> writeTokenizer(LlamaModel model, Path source, Path out) throws IOException {
        final List<String> written = new java.util.ArrayList<>();
        if (Files.isDirectory(source)) {
            for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
                if (Files.isRegularFile(source.resolve(name))) {
                    io.github.cospadi.io.AtomicFiles.copy(source.resolve(name), out.resolve(name));
                    written.add(name);
                }
            }
            return written;
        }
        if (!(model.tokenizer() instanceof io.github.cospadi.models.tokenizer.BpeTokenizer)) return written;
        final io.github.cospadi.models.tokenizer.BpeTokenizer bpe = (io.github.cospadi.models.tokenizer.BpeTokenizer) model.tokenizer();
        String template = null;
        try (GgufFile f = GgufFile.open(source)) {
            if (f.has("tokenizer.chat_template")) template = f.string("tokenizer.chat_template");
        }
        io.github.cospadi.io.AtomicFiles.writeString(out.resolve("tokenizer.json"), bpe.toTokenizerJson());
        io.github.cospadi.io.AtomicFiles.writeString(out.resolve("tokenizer_config.json"), bpe.toTokenizerConfigJson(template));
        written.add("tokenizer.json");
        written.add("tokenizer_config.json");
        return written;
    }

    /**
     * The safetensors metadata {@code cospadi} of a plan's output, e.g. {@code cospadi ratio=0.2 iterations=60
     * schedule=fast rho=auto} (the method as {@code Method}'s lowercase name, as before jobs), so every runner writes the same
     * bytes.
     */
    public static String description(JobPlan plan) {
        final Map<String, String> c = plan.compressor();
        final String method = c.get("method");
        return method.replace('-', '_') + " ratio=" + c.get("ratio") + " iterations=" + c.get("iterations")
                + (method.equals("cospadi") ? " schedule=" + c.getOrDefault("schedule", "fast") : "")
                + (!plan.adaptive() && c.containsKey("rho") ? " rho=" + c.get("rho") : "")
                + (plan.squareByType() ? " square=type" : "")
                + (plan.adaptive() ? " allocation=adaptive" : "") + (plan.compressor().containsKey("refit") ? " refit" : "");
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Checksums.of(in);
        }
    }
}
