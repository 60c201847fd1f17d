package io.github.cospadi.models.llama;

import io.github.cospadi.io.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The fields of a Hugging Face Llama {@code config.json} that the forward pass needs. */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int headDim, double ropeTheta, double rmsNormEps, boolean tiedEmbeddings) {

    public LlamaConfig {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
        }
    }

    public static LlamaConfig read(Path configJson) throws IOException {
        final Map<String, Object> m = JsonParser.parseObject(Files.readString(configJson), configJson.toString());
        final int hidden = integer(m, "hidden_size", configJson);
        final int heads = integer(m, "num_attention_heads", configJson);
        final int kv = m.containsKey("num_key_value_heads") ? integer(m, "num_key_value_heads", configJson) : heads;
        final int headDim = m.get("head_dim") instanceof Number ? ((Number) m.get("head_dim")).intValue() : hidden / heads;
        return new LlamaConfig(integer(m, "vocab_size", configJson), hidden, integer(m, "intermediate_size", configJson),
                integer(m, "num_hidden_layers", configJson), heads, kv, headDim,
                m.get("rope_theta") instanceof Number ? ((Number) m.get("rope_theta")).doubleValue() : 10000.0,
                m.get("rms_norm_eps") instanceof Number ? ((Number) m.get("rms_norm_eps")).doubleValue() : 1e-6,
                Boolean.TRUE.equals(m.get("tie_word_embeddings")));
    }

    private static int integer(Map<String, Object> m, String key, Path file) {
        final Object v = m.get(key);
        if (!(v instanceof Number)) throw new IllegalArgumentException(file + ": missing or non-numeric '" + key + "'");
        return ((Number) v).intValue();
    }
}
