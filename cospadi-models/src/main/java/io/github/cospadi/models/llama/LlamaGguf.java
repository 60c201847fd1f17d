package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.GgufValueType;
import io.github.cospadi.io.GgufWriter;
import io.github.cospadi.models.tokenizer.BpeTokenizer;
import io.github.cospadi.models.tokenizer.Tokenizer;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama-family models in GGUF files (llama.cpp): the {@code llama.*} metadata, the GPT-2-style BPE vocabulary of
 * {@code tokenizer.ggml.*}, and the tensors {@code token_embd}, {@code blk.N.attn_q|k|v|output}, {@code ffn_gate|up|down},
 * the norms and {@code output} (absent when the head is tied), dequantized one tensor at a time.
 *
 * <p>llama.cpp's converter permutes the rows of every head of Q and K so that its RoPE rotates adjacent pairs
 * (x₂ᵢ, x₂ᵢ₊₁); Hugging Face's rotates (xᵢ, xᵢ₊hd/2). The loader undoes the permutation (row h·hd + 2i + j of the
 * file is row h·hd + j·hd/2 + i of the Hugging Face weight), so the model runs the rotate-half forward pass on Hugging
 * Face-layout weights, compresses and exports them as such, and {@link #write} applies the permutation again. The two
 * forms compute the same function: a row permutation of Q and K commutes with everything but the rotation.
 */
public final class LlamaGguf {
    private LlamaGguf() {}

    /** Loads a Llama GGUF file with its tokenizer; other architectures and vocabularies are rejected by name. */
    public static LlamaModel load(Path path, Parallelism parallelism) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            final String where = path.toString();
            final String arch = f.string("general.architecture");
            LlamaConfig.requireSupported(arch, where);
            final LlamaConfig config = config(f, where);
            final Tokenizer tokenizer = tokenizer(f, config.vocabSize(), where);
            final FMatrixRMaj embed = f.readMatrix("token_embd.weight");
            final FMatrixRMaj head = has(f, "output.weight") ? f.readMatrix("output.weight") : null;
            final Map<String, float[]> vectors = new LinkedHashMap<>();
            final Map<String, FMatrixRMaj> weights = new LinkedHashMap<>();
            for (int l = 0; l < config.layers(); l++) {
                final String b = "blk." + l + ".", p = "model.layers." + l + ".";
                vectors.put(p + "input_layernorm.weight", f.readFloats(b + "attn_norm.weight"));
                vectors.put(p + "post_attention_layernorm.weight", f.readFloats(b + "ffn_norm.weight"));
                for (String proj : LlamaModel.PROJECTIONS) weights.put(LlamaModel.layer(l, proj), readProjection(f, config, l, proj));
            }
            vectors.put("model.norm.weight", f.readFloats("output_norm.weight"));
            return new LlamaModel(name(path), config, tokenizer, embed, head, vectors, weights, parallelism);
        }
    }

    /** The model's name: the file name without {@code .gguf}. */
    static String name(Path path) {
        return path.getFileName().toString().replaceFirst("\\.gguf$", "");
    }

    /** Hugging Face projection → GGUF tensor stem. */
    static final Map<String, String> NAMES = Map.of(
            "self_attn.q_proj", "attn_q", "self_attn.k_proj", "attn_k", "self_attn.v_proj", "attn_v",
            "self_attn.o_proj", "attn_output", "mlp.gate_proj", "ffn_gate", "mlp.up_proj", "ffn_up", "mlp.down_proj", "ffn_down");

    /** The GGUF tensor of projection {@code proj} ({@link LlamaModel#PROJECTIONS}) of layer {@code layer}. */
    static String tensorName(int layer, String proj) {
        return "blk." + layer + "." + NAMES.get(proj) + ".weight";
    }

    /**
     * The Hugging Face-layout weight of projection {@code proj} of layer {@code layer}: its tensor dequantized, the rows
     * of Q and K unpermuted. The one decoding of a projection, for {@link #load} and {@link LlamaWeights}.
     */
    static FMatrixRMaj readProjection(GgufFile f, LlamaConfig config, int layer, String proj) throws IOException {
        final String tensor = tensorName(layer, proj);
        final FMatrixRMaj w = f.readMatrix(tensor);
        if (proj.equals("self_attn.q_proj")) return unpermute(w, config.heads(), config.headDim(), tensor);
        if (proj.equals("self_attn.k_proj")) return unpermute(w, config.kvHeads(), config.headDim(), tensor);
        return w;
    }

    private static boolean has(GgufFile f, String tensor) {
        return f.hasTensor(tensor);
    }

    static LlamaConfig config(GgufFile f, String where) {
        final String a = "llama.";
        for (String unsupported : List.of(a + "rope.scaling.type", a + "attention.sliding_window")) {
            if (f.has(unsupported) && !"none".equals(String.valueOf(f.metadata().get(unsupported)))) {
                throw new IllegalArgumentException(where + ": '" + unsupported + "' = " + f.metadata().get(unsupported) + " is not supported");
            }
        }
        final int hidden = (int) f.integer(a + "embedding_length");
        final int heads = (int) f.integer(a + "attention.head_count");
        final int kv = f.has(a + "attention.head_count_kv") ? (int) f.integer(a + "attention.head_count_kv") : heads;
        final int headDim = f.has(a + "attention.key_length") ? (int) f.integer(a + "attention.key_length") : hidden / heads;
        if (f.has(a + "rope.dimension_count") && f.integer(a + "rope.dimension_count") != headDim) {
            throw new IllegalArgumentException(where + ": partial RoPE (rope.dimension_count " + f.integer(a + "rope.dimension_count")
                    + " < head dim " + headDim + ") is not supported");
        }
        final long[] embedDims = f.tensor("token_embd.weight").dims();
        final int vocab = f.has(a + "vocab_size") ? (int) f.integer(a + "vocab_size") : (int) embedDims[1];
        return new LlamaConfig(vocab, hidden, (int) f.integer(a + "feed_forward_length"), (int) f.integer(a + "block_count"),
                heads, kv, headDim, f.has(a + "rope.freq_base") ? f.real(a + "rope.freq_base") : 10000.0,
                f.real(a + "attention.layer_norm_rms_epsilon"), !has(f, "output.weight"),
                f.has(a + "context_length") ? (int) f.integer(a + "context_length") : 0);
    }

    /** The byte-level BPE vocabulary of {@code tokenizer.ggml.*} ({@code model = gpt2}). */
    static Tokenizer tokenizer(GgufFile f, int vocab, String where) {
        final String model = f.string("tokenizer.ggml.model");
        if (!model.equals("gpt2")) {
            throw new IllegalArgumentException(where + ": tokenizer.ggml.model '" + model + "' is not supported (supported: gpt2, byte-level BPE)");
        }
        final List<String> tokens = f.strings("tokenizer.ggml.tokens");
        if (tokens.size() != vocab) {
            throw new IllegalArgumentException(where + ": tokenizer has " + tokens.size() + " tokens, the model's vocabulary is " + vocab);
        }
        final int[] types = f.has("tokenizer.ggml.token_type") ? f.integers("tokenizer.ggml.token_type") : null;
        final Integer bos = f.has("tokenizer.ggml.bos_token_id") ? (int) f.integer("tokenizer.ggml.bos_token_id") : null;
        final Integer eos = f.has("tokenizer.ggml.eos_token_id") ? (int) f.integer("tokenizer.ggml.eos_token_id") : null;
        final Integer unk = f.has("tokenizer.ggml.unknown_token_id") ? (int) f.integer("tokenizer.ggml.unknown_token_id") : null;
        final String pre = f.has("tokenizer.ggml.pre") ? f.string("tokenizer.ggml.pre") : "gpt2";
        return BpeTokenizer.of(tokens, f.strings("tokenizer.ggml.merges"), pre, types, bos, eos, unk);
    }

    /** GGUF (interleaved-pair) rows of Q or K → Hugging Face (rotate-half) rows, per head. */
    static FMatrixRMaj unpermute(FMatrixRMaj w, int heads, int hd, String tensor) {
        if (w.numRows != heads * hd) {
            throw new IllegalArgumentException("tensor '" + tensor + "' has " + w.numRows + " rows, expected " + heads + " heads x " + hd);
        }
        final FMatrixRMaj out = new FMatrixRMaj(w.numRows, w.numCols);
        final int half = hd / 2, n = w.numCols;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(w.data, (h * hd + 2 * i + j) * n, out.data, (h * hd + j * half + i) * n, n);
                }
            }
        }
        return out;
    }

    /** Hugging Face (rotate-half) rows → GGUF (interleaved-pair) rows: the inverse of {@link #unpermute}. */
    static FMatrixRMaj permute(FMatrixRMaj w, int heads, int hd) {
        final FMatrixRMaj out = new FMatrixRMaj(w.numRows, w.numCols);
        final int half = hd / 2, n = w.numCols;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(w.data, (h * hd + j * half + i) * n, out.data, (h * hd + 2 * i + j) * n, n);
                }
            }
        }
        return out;
    }

    /**
     * Writes {@code model} (its projections in dense form: replacements reconstructed) as a GGUF file with the
     * metadata and tokenizer of {@code source}, weights stored as {@code type} (F32, F16, BF16 or Q8_0; norms F32).
     */
    public static void write(LlamaModel model, GgufFile source, Path target, GgmlType type) throws IOException {
        write(model, new GgufWriter().putAll(source), target, type);
    }

    /**
     * Writes {@code model} into a GGUF file through {@code w}, which already holds the metadata (architecture, {@code
     * llama.*} and {@code tokenizer.ggml.*} keys): adds {@code general.file_type} and every tensor.
     */
    public static void write(LlamaModel model, GgufWriter w, Path target, GgmlType type) throws IOException {
        final LlamaConfig c = model.config();
        w.put("general.file_type", GgufValueType.UINT32, fileType(type));
        matrix(w, "token_embd.weight", type, model.embedding());
        for (int l = 0; l < c.layers(); l++) {
            final String b = "blk." + l + ".", p = "model.layers." + l + ".";
            vector(w, b + "attn_norm.weight", model.norm(p + "input_layernorm.weight"));
            for (String proj : LlamaModel.PROJECTIONS) {
                FMatrixRMaj m = model.operator(LlamaModel.layer(l, proj)).toDense();
                if (proj.equals("self_attn.q_proj")) m = permute(m, c.heads(), c.headDim());
                if (proj.equals("self_attn.k_proj")) m = permute(m, c.kvHeads(), c.headDim());
                matrix(w, tensorName(l, proj), type, m);
            }
            vector(w, b + "ffn_norm.weight", model.norm(p + "post_attention_layernorm.weight"));
        }
        vector(w, "output_norm.weight", model.norm("model.norm.weight"));
        if (!c.tiedEmbeddings()) matrix(w, "output.weight", type, model.head().toDense());
        w.write(target);
    }

    private static void matrix(GgufWriter w, String name, GgmlType type, FMatrixRMaj m) {
        w.add(name, type, new long[]{m.numCols, m.numRows}, m.data);
    }

    private static void vector(GgufWriter w, String name, float[] v) {
        w.add(name, GgmlType.F32, new long[]{v.length}, v);
    }

    /** llama.cpp's {@code general.file_type} of a model stored mostly as {@code type}. */
    private static long fileType(GgmlType type) {
        switch (type) {
            case F32: return 0;
            case F16: return 1;
            case Q8_0: return 7;
            case BF16: return 32;
            default: throw new IllegalArgumentException("GGUF export type must be F32, F16, BF16 or Q8_0, got " + type);
        }
    }
}
