package io.github.cospadi.models.llama;

import io.github.cospadi.Parallelism;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.io.SafeTensors;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama-architecture causal language model in float32 with Hugging Face tensor names: RMSNorm, rotate-half RoPE,
 * grouped-query attention, SwiGLU MLP, (un)tied LM head. Weights are (out × in), y = x·Wᵀ. Immutable after loading;
 * {@link #withWeights} makes a copy with some projections replaced (e.g. by compressed reconstructions).
 */
public final class LlamaModel {
    /** The seven projections of every layer, in the order of {@link #projections()}. */
    public static final List<String> PROJECTIONS = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    /** Receives the input of every projection during a forward pass (name without ".weight", input: tokens × in). */
    @FunctionalInterface
    public interface ProjectionListener {
        void onInput(String projection, FMatrixRMaj input);
    }

    private final LlamaConfig config;
    private final Map<String, FMatrixRMaj> weights; // every 2-D tensor, by name
    private final Map<String, float[]> vectors;     // norms
    private final Parallelism parallelism;

    private LlamaModel(LlamaConfig config, Map<String, FMatrixRMaj> weights, Map<String, float[]> vectors, Parallelism parallelism) {
        this.config = config;
        this.weights = weights;
        this.vectors = vectors;
        this.parallelism = parallelism;
    }

    /** Loads {@code dir/config.json} and {@code dir/model.safetensors} (F32, F16 or BF16). */
    public static LlamaModel load(Path dir, Parallelism parallelism) throws IOException {
        final LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
        final Map<String, FMatrixRMaj> w = new LinkedHashMap<>();
        final Map<String, float[]> v = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            for (String name : st.names()) {
                if (st.info(name).shape().length == 2) w.put(name, st.readFloat(name));
                else v.put(name, st.readFloatArray(name));
            }
        }
        final LlamaModel model = new LlamaModel(config, w, v, parallelism);
        model.require("model.embed_tokens.weight", config.vocabSize(), config.hiddenSize());
        for (int l = 0; l < config.layers(); l++) {
            final int q = config.heads() * config.headDim(), kv = config.kvHeads() * config.headDim();
            model.require(layer(l, "self_attn.q_proj"), q, config.hiddenSize());
            model.require(layer(l, "self_attn.k_proj"), kv, config.hiddenSize());
            model.require(layer(l, "self_attn.v_proj"), kv, config.hiddenSize());
            model.require(layer(l, "self_attn.o_proj"), config.hiddenSize(), q);
            model.require(layer(l, "mlp.gate_proj"), config.intermediateSize(), config.hiddenSize());
            model.require(layer(l, "mlp.up_proj"), config.intermediateSize(), config.hiddenSize());
            model.require(layer(l, "mlp.down_proj"), config.hiddenSize(), config.intermediateSize());
        }
        return model;
    }

    private void require(String name, int rows, int cols) {
        final FMatrixRMaj m = weights.get(name);
        if (m == null) throw new IllegalArgumentException("checkpoint has no tensor '" + name + "'");
        if (m.numRows != rows || m.numCols != cols) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + m.numRows + "x" + m.numCols + ", config expects " + rows + "x" + cols);
        }
    }

    static String layer(int l, String projection) {
        return "model.layers." + l + "." + projection + ".weight";
    }

    public LlamaConfig config() {
        return config;
    }

    /** Names of every projection weight ("model.layers.{i}.{proj}.weight"), layer by layer. */
    public List<String> projections() {
        final List<String> out = new java.util.ArrayList<>();
        for (int l = 0; l < config.layers(); l++) for (String p : PROJECTIONS) out.add(layer(l, p));
        return out;
    }

    /** A weight matrix by name (not copied: do not modify). */
    public FMatrixRMaj weight(String name) {
        final FMatrixRMaj m = weights.get(name);
        if (m == null) throw new IllegalArgumentException("no weight '" + name + "'");
        return m;
    }

    /** All tensors (2-D weights and 1-D norms) by name, for writing a checkpoint. */
    public Map<String, Object> tensors() {
        final Map<String, Object> out = new LinkedHashMap<>(weights);
        out.putAll(vectors);
        return out;
    }

    /**
     * Overwrites a weight in place with a same-shape replacement (e.g. its compressed reconstruction), so a pipeline
     * can work layer by layer without a second copy of the model. Not thread-safe with a concurrent forward pass.
     */
    public void replaceWeight(String name, FMatrixRMaj replacement) {
        final FMatrixRMaj old = weight(name);
        if (old.numRows != replacement.numRows || old.numCols != replacement.numCols) {
            throw new IllegalArgumentException("replacement for '" + name + "' is " + replacement.numRows + "x" + replacement.numCols
                    + ", expected " + old.numRows + "x" + old.numCols);
        }
        System.arraycopy(replacement.data, 0, old.data, 0, old.data.length);
    }

    /** A model sharing everything but the replaced weights (same shapes required). */
    public LlamaModel withWeights(Map<String, FMatrixRMaj> replacements) {
        final Map<String, FMatrixRMaj> w = new LinkedHashMap<>(weights);
        for (Map.Entry<String, FMatrixRMaj> e : replacements.entrySet()) {
            final FMatrixRMaj old = weight(e.getKey());
            if (old.numRows != e.getValue().numRows || old.numCols != e.getValue().numCols) {
                throw new IllegalArgumentException("replacement for '" + e.getKey() + "' is " + e.getValue().numRows + "x"
                        + e.getValue().numCols + ", expected " + old.numRows + "x" + old.numCols);
            }
            w.put(e.getKey(), e.getValue());
        }
        return new LlamaModel(config, w, vectors, parallelism);
    }

    /** Logits (tokens × vocab) of a causal forward pass over token ids at positions 0..n−1. */
    public FMatrixRMaj forward(int[] tokens, ProjectionListener listener) {
        final int n = tokens.length, hidden = config.hiddenSize(), hd = config.headDim();
        final FMatrixRMaj embed = weights.get("model.embed_tokens.weight");
        final FMatrixRMaj x = new FMatrixRMaj(n, hidden);
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new IllegalArgumentException("token " + tokens[t] + " at position " + t + " outside the vocabulary of " + config.vocabSize());
            }
            System.arraycopy(embed.data, tokens[t] * hidden, x.data, t * hidden, hidden);
        }
        final double[][] rope = rope(n, hd);
        for (int l = 0; l < config.layers(); l++) {
            final String p = "model.layers." + l + ".";
            final FMatrixRMaj h = rmsNorm(x, vectors.get(p + "input_layernorm.weight"));
            notify(listener, p + "self_attn.q_proj", h);
            notify(listener, p + "self_attn.k_proj", h);
            notify(listener, p + "self_attn.v_proj", h);
            final FMatrixRMaj q = linear(h, weights.get(p + "self_attn.q_proj.weight"));
            final FMatrixRMaj k = linear(h, weights.get(p + "self_attn.k_proj.weight"));
            final FMatrixRMaj v = linear(h, weights.get(p + "self_attn.v_proj.weight"));
            applyRope(q, config.heads(), hd, rope);
            applyRope(k, config.kvHeads(), hd, rope);
            final FMatrixRMaj attn = attention(q, k, v);
            notify(listener, p + "self_attn.o_proj", attn);
            add(x, linear(attn, weights.get(p + "self_attn.o_proj.weight")));
            final FMatrixRMaj h2 = rmsNorm(x, vectors.get(p + "post_attention_layernorm.weight"));
            notify(listener, p + "mlp.gate_proj", h2);
            notify(listener, p + "mlp.up_proj", h2);
            final FMatrixRMaj gate = linear(h2, weights.get(p + "mlp.gate_proj.weight"));
            final FMatrixRMaj up = linear(h2, weights.get(p + "mlp.up_proj.weight"));
            for (int i = 0; i < gate.data.length; i++) {
                final float g = gate.data[i];
                gate.data[i] = (float) (g / (1 + Math.exp(-g))) * up.data[i]; // silu(gate) * up
            }
            notify(listener, p + "mlp.down_proj", gate);
            add(x, linear(gate, weights.get(p + "mlp.down_proj.weight")));
        }
        final FMatrixRMaj out = rmsNorm(x, vectors.get("model.norm.weight"));
        final FMatrixRMaj head = weights.containsKey("lm_head.weight") ? weights.get("lm_head.weight") : embed;
        return linear(out, head);
    }

    private static void notify(ProjectionListener listener, String name, FMatrixRMaj input) {
        if (listener != null) listener.onInput(name, input);
    }

    /** y = x·Wᵀ, one dot product per output, parallel over fixed blocks of outputs. */
    FMatrixRMaj linear(FMatrixRMaj x, FMatrixRMaj w) {
        final int n = x.numRows, in = x.numCols, out = w.numRows;
        final FMatrixRMaj y = new FMatrixRMaj(n, out);
        parallelism.forEachBlock(out, 32, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int t = 0; t < n; t++) for (int o = from; o < to; o++) y.data[t * out + o] = ops.dot(x.data, t * in, w.data, o * in, in);
        });
        return y;
    }

    private FMatrixRMaj rmsNorm(FMatrixRMaj x, float[] weight) {
        final int n = x.numRows, d = x.numCols;
        final FMatrixRMaj y = new FMatrixRMaj(n, d);
        for (int t = 0; t < n; t++) {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += (double) x.data[t * d + i] * x.data[t * d + i];
            final double inv = 1 / Math.sqrt(ss / d + config.rmsNormEps());
            for (int i = 0; i < d; i++) y.data[t * d + i] = (float) (x.data[t * d + i] * inv) * weight[i];
        }
        return y;
    }

    /** cos and sin tables: [position][2·i] = cos, [2·i+1] = sin of position·θ^(−2i/hd). */
    private double[][] rope(int n, int hd) {
        final double[][] table = new double[n][hd];
        for (int pos = 0; pos < n; pos++) {
            for (int i = 0; i < hd / 2; i++) {
                final double angle = pos * Math.pow(config.ropeTheta(), -2.0 * i / hd);
                table[pos][2 * i] = Math.cos(angle);
                table[pos][2 * i + 1] = Math.sin(angle);
            }
        }
        return table;
    }

    /** Rotate-half RoPE in place on every head: (x_i, x_{i+hd/2}) rotated by the position's angle. */
    private static void applyRope(FMatrixRMaj x, int heads, int hd, double[][] table) {
        final int width = x.numCols, half = hd / 2;
        for (int t = 0; t < x.numRows; t++) {
            for (int h = 0; h < heads; h++) {
                final int base = t * width + h * hd;
                for (int i = 0; i < half; i++) {
                    final double c = table[t][2 * i], s = table[t][2 * i + 1];
                    final double a = x.data[base + i], b = x.data[base + i + half];
                    x.data[base + i] = (float) (a * c - b * s);
                    x.data[base + i + half] = (float) (b * c + a * s);
                }
            }
        }
    }

    /** Causal grouped-query attention: head h reads key/value head h / (heads / kvHeads). */
    private FMatrixRMaj attention(FMatrixRMaj q, FMatrixRMaj k, FMatrixRMaj v) {
        final int n = q.numRows, heads = config.heads(), hd = config.headDim(), group = heads / config.kvHeads();
        final int qw = q.numCols, kw = k.numCols;
        final FMatrixRMaj out = new FMatrixRMaj(n, qw);
        final double scale = 1 / Math.sqrt(hd);
        parallelism.forEachBlock(heads, 1, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final double[] scores = new double[n];
            for (int h = from; h < to; h++) {
                final int kvh = h / group;
                for (int t = 0; t < n; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        scores[u] = ops.dot(q.data, t * qw + h * hd, k.data, u * kw + kvh * hd, hd) * scale;
                        max = Math.max(max, scores[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        scores[u] = Math.exp(scores[u] - max);
                        sum += scores[u];
                    }
                    final int o = t * qw + h * hd;
                    for (int u = 0; u <= t; u++) ops.axpy((float) (scores[u] / sum), v.data, u * kw + kvh * hd, out.data, o, hd);
                }
            }
        });
        return out;
    }

    private static void add(FMatrixRMaj x, FMatrixRMaj y) {
        for (int i = 0; i < x.data.length; i++) x.data[i] += y.data[i];
    }
}
