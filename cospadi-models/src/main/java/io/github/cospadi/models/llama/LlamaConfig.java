package io.github.cospadi.models.llama;

import io.github.cospadi.internal.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The fields of a Llama-family configuration that the forward pass needs, from a Hugging Face {@code config.json} or
 * GGUF metadata. Only the plain Llama architecture is accepted: families that look alike but differ (Qwen2's q/k/v
 * biases, Mistral's sliding window, Gemma's scaled embeddings, ...) are rejected by name rather than run wrongly.
 *
 * @param contextLength maximum positions the model was trained for (0 when unknown)
 */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int headDim, double ropeTheta, double rmsNormEps, boolean tiedEmbeddings, int contextLength) {
    /** The {@code model_type} / {@code general.architecture} values this forward pass implements. */
    public static final List<String> SUPPORTED_TYPES = List.of("llama");

    public LlamaConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", layers);
        positive("num_attention_heads", heads);
        positive("num_key_value_heads", kvHeads);
        positive("head_dim", headDim);
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) throw new IllegalArgumentException("rope_theta must be positive, got " + ropeTheta);
        if (!(rmsNormEps >= 0) || Double.isInfinite(rmsNormEps)) throw new IllegalArgumentException("rms_norm_eps must be >= 0, got " + rmsNormEps);
        if (contextLength < 0) throw new IllegalArgumentException("context length must be >= 0, got " + contextLength);
    }

    /** The configuration without a context length (0: unknown). */
    public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                       int headDim, double ropeTheta, double rmsNormEps, boolean tiedEmbeddings) {
        this(vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, ropeTheta, rmsNormEps, tiedEmbeddings, 0);
    }

    private static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    /** Throws unless {@code type} (a {@code model_type} or GGUF {@code general.architecture}) is a supported family. */
    public static void requireSupported(String type, String source) {
        if (!SUPPORTED_TYPES.contains(type)) {
            throw new IllegalArgumentException(source + ": model type '" + type + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED_TYPES) + ")" + ("qwen2".equals(type) ? "; Qwen2 has q/k/v biases this Llama forward pass lacks" : ""));
        }
    }

    /** Reads a Hugging Face {@code config.json}; {@code model_type} must be present and supported. */
    public static LlamaConfig read(Path configJson) throws IOException {
        final Map<String, Object> m = JsonParser.parseObject(Files.readString(configJson), configJson.toString());
        if (!(m.get("model_type") instanceof String)) {
            throw new IllegalArgumentException(configJson + ": missing 'model_type' (expected one of " + SUPPORTED_TYPES + ")");
        }
        requireSupported((String) m.get("model_type"), configJson.toString());
        for (String key : List.of("attention_bias", "mlp_bias")) {
            if (Boolean.TRUE.equals(m.get(key))) throw new IllegalArgumentException(configJson + ": '" + key + "' = true is not supported");
        }
        if (m.get("rope_scaling") instanceof Map) {
            throw new IllegalArgumentException(configJson + ": 'rope_scaling' " + m.get("rope_scaling") + " is not supported");
        }
        final int hidden = integer(m, "hidden_size", configJson);
        final int heads = integer(m, "num_attention_heads", configJson);
        final int kv = m.containsKey("num_key_value_heads") ? integer(m, "num_key_value_heads", configJson) : heads;
        final int headDim = m.get("head_dim") instanceof Number ? ((Number) m.get("head_dim")).intValue() : hidden / heads;
        return new LlamaConfig(integer(m, "vocab_size", configJson), hidden, integer(m, "intermediate_size", configJson),
                integer(m, "num_hidden_layers", configJson), heads, kv, headDim,
                m.get("rope_theta") instanceof Number ? ((Number) m.get("rope_theta")).doubleValue() : 10000.0,
                m.get("rms_norm_eps") instanceof Number ? ((Number) m.get("rms_norm_eps")).doubleValue() : 1e-6,
                Boolean.TRUE.equals(m.get("tie_word_embeddings")),
                m.get("max_position_embeddings") instanceof Number ? ((Number) m.get("max_position_embeddings")).intValue() : 0);
    }

    /** This configuration as a Hugging Face {@code config.json} object (LlamaForCausalLM, float32). */
    public Map<String, Object> toHuggingFace() {
        final Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("model_type", "llama");
        m.put("vocab_size", vocabSize);
        m.put("hidden_size", hiddenSize);
        m.put("intermediate_size", intermediateSize);
        m.put("num_hidden_layers", layers);
        m.put("num_attention_heads", heads);
        m.put("num_key_value_heads", kvHeads);
        m.put("head_dim", headDim);
        m.put("rope_theta", ropeTheta);
        m.put("rms_norm_eps", rmsNormEps);
        m.put("tie_word_embeddings", tiedEmbeddings);
        if (contextLength > 0) m.put("max_position_embeddings", contextLength);
        m.put("hidden_act", "silu");
        m.put("torch_dtype", "float32");
        return m;
    }

    private static int integer(Map<String, Object> m, String key, Path file) {
        final Object v = m.get(key);
        if (!(v instanceof Number)) throw new IllegalArgumentException(file + ": missing or non-numeric '" + key + "'");
        return ((Number) v).intValue();
    }
}
