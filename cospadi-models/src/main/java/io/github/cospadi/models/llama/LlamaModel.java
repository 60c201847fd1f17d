package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.kernel.DenseLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.models.LanguageModel;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.ProjectionListener;
import io.github.cospadi.models.tokenizer.ByteTokenizer;
import io.github.cospadi.models.tokenizer.Tokenizer;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Llama-architecture causal language model in float32 with Hugging Face tensor names: RMSNorm, rotate-half RoPE,
 * grouped-query attention, SwiGLU MLP, (un)tied LM head. Every projection runs through a {@link LinearOperator}
 * (dense as loaded, or a compressed replacement), y = Ŵx. Loaded from a Hugging Face folder ({@link #load}) or a
 * GGUF file ({@link LlamaGguf#load}), whose Q/K rows llama.cpp permuted for its interleaved RoPE are put back into the
 * Hugging Face order at load, so one forward pass serves both sources.
 *
 * <p>Forward passes may run concurrently; {@link #replace} must not run during one.
 */
public final class LlamaModel implements LanguageModel {
    /** The seven projections of every layer, in the order of {@link #projections()}. */
    public static final List<String> PROJECTIONS = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    private final String name;
    private final LlamaConfig config;
    private final Tokenizer tokenizer;
    private final FMatrixRMaj embed;                 // vocab x hidden
    private final LinearOperator head;               // vocab x hidden (the embedding when tied)
    private final Map<String, float[]> vectors;      // norms by HF name
    private final Map<String, LinearOperator> ops = new ConcurrentHashMap<>(); // projections by weight name
    private final List<Projection> projections;
    private final Parallelism parallelism;

    LlamaModel(String name, LlamaConfig config, Tokenizer tokenizer, FMatrixRMaj embed, FMatrixRMaj head,
               Map<String, float[]> vectors, Map<String, FMatrixRMaj> projectionWeights, Parallelism parallelism) {
        this.name = name;
        this.config = config;
        this.tokenizer = tokenizer;
        this.parallelism = parallelism;
        require("model.embed_tokens.weight", embed, config.vocabSize(), config.hiddenSize());
        this.embed = embed;
        if (head != null) require("lm_head.weight", head, config.vocabSize(), config.hiddenSize());
        this.head = DenseLinear.wrap(head != null ? head : embed);
        this.vectors = Collections.unmodifiableMap(new LinkedHashMap<>(vectors));
        this.projections = projections(config);
        for (Projection p : projections) {
            final FMatrixRMaj w = projectionWeights.get(p.name());
            if (w == null) throw new IllegalArgumentException("checkpoint has no tensor '" + p.name() + "'");
            require(p.name(), w, p.outFeatures(), p.inFeatures());
            ops.put(p.name(), DenseLinear.wrap(w));
        }
        for (int l = 0; l < config.layers(); l++) {
            for (String norm : List.of("input_layernorm.weight", "post_attention_layernorm.weight")) {
                requireVector("model.layers." + l + "." + norm, config.hiddenSize());
            }
        }
        requireVector("model.norm.weight", config.hiddenSize());
    }

    /**
     * The projections of a model of this configuration with their shapes, layer by layer in {@link #PROJECTIONS} order
     * (what {@link #projections()} returns; shared with {@link LlamaWeights}).
     */
    static List<Projection> projections(LlamaConfig config) {
        final int q = config.heads() * config.headDim(), kv = config.kvHeads() * config.headDim();
        final int h = config.hiddenSize(), f = config.intermediateSize();
        final int[][] shapes = {{q, h}, {kv, h}, {kv, h}, {h, q}, {f, h}, {f, h}, {h, f}};
        final List<Projection> list = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            for (int p = 0; p < PROJECTIONS.size(); p++) list.add(new Projection(layer(l, PROJECTIONS.get(p)), shapes[p][0], shapes[p][1]));
        }
        return Collections.unmodifiableList(list);
    }

    /**
     * Loads {@code dir/config.json} and {@code dir/model.safetensors} (F32, F16 or BF16) with the tokenizer of
     * {@code dir/tokenizer.json} when there is one, else the byte-level vocabulary when the model has 256 tokens.
     */
    public static LlamaModel load(Path dir, Parallelism parallelism) throws IOException {
        final LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
        final Map<String, FMatrixRMaj> w = new LinkedHashMap<>();
        final Map<String, float[]> v = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            for (String n : st.names()) {
                if (st.info(n).shape().length == 2) w.put(n, st.readFloat(n));
                else v.put(n, st.readFloatArray(n));
            }
        }
        final FMatrixRMaj embed = w.remove("model.embed_tokens.weight");
        if (embed == null) throw new IllegalArgumentException(dir + ": checkpoint has no tensor 'model.embed_tokens.weight'");
        final FMatrixRMaj head = w.remove("lm_head.weight");
        if (head == null && !config.tiedEmbeddings()) {
            throw new IllegalArgumentException(dir + ": checkpoint has no tensor 'lm_head.weight' and tie_word_embeddings is false");
        }
        final Tokenizer tokenizer = java.nio.file.Files.isRegularFile(dir.resolve("tokenizer.json"))
                ? io.github.cospadi.models.tokenizer.BpeTokenizer.fromTokenizerJson(dir.resolve("tokenizer.json"))
                : config.vocabSize() == 256 ? ByteTokenizer.INSTANCE : null;
        return new LlamaModel(dir.getFileName().toString(), config, tokenizer, embed, head, v, w, parallelism);
    }

    private void require(String n, FMatrixRMaj m, int rows, int cols) {
        if (m.numRows != rows || m.numCols != cols) {
            throw new IllegalArgumentException("tensor '" + n + "' is " + m.numRows + "x" + m.numCols + ", config expects " + rows + "x" + cols);
        }
    }

    private void requireVector(String n, int length) {
        final float[] v = vectors.get(n);
        if (v == null) throw new IllegalArgumentException("checkpoint has no tensor '" + n + "'");
        if (v.length != length) throw new IllegalArgumentException("tensor '" + n + "' has length " + v.length + ", config expects " + length);
    }

    static String layer(int l, String projection) {
        return "model.layers." + l + "." + projection + ".weight";
    }

    @Override
    public String name() {
        return name;
    }

    public LlamaConfig config() {
        return config;
    }

    /** The tokenizer; throws when the checkpoint came without one (a Hugging Face folder with a non-byte vocabulary). */
    @Override
    public Tokenizer tokenizer() {
        if (tokenizer == null) throw new IllegalStateException("model '" + name + "' was loaded without a tokenizer");
        return tokenizer;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public List<Projection> projections() {
        return projections;
    }

    /** The projection weight names ("model.layers.{i}.{proj}.weight"), layer by layer. */
    public List<String> projectionNames() {
        final List<String> out = new ArrayList<>();
        for (Projection p : projections) out.add(p.name());
        return out;
    }

    @Override
    public LinearOperator operator(String projection) {
        final LinearOperator op = ops.get(projection);
        if (op == null) throw new IllegalArgumentException("model '" + name + "' has no projection '" + projection + "'");
        return op;
    }

    @Override
    public void replace(String projection, LinearOperator operator) {
        io.github.cospadi.models.CompressibleModel.checkReplacement(projection(projection), operator);
        ops.put(projection, operator);
    }

    /** Replaces a projection by a dense weight (a copy is kept). */
    public void replaceWeight(String projection, FMatrixRMaj weight) {
        replace(projection, new DenseLinear(weight));
    }

    /** A model sharing everything but its projection table (replacing projections of the copy leaves this one as is). */
    public LlamaModel copy() {
        final LlamaModel m = new LlamaModel(this);
        m.ops.putAll(ops);
        return m;
    }

    private LlamaModel(LlamaModel o) {
        name = o.name;
        config = o.config;
        tokenizer = o.tokenizer;
        embed = o.embed;
        head = o.head;
        vectors = o.vectors;
        projections = o.projections;
        parallelism = o.parallelism;
    }

    /** A copy with some projections replaced by dense weights (same shapes required). */
    public LlamaModel withWeights(Map<String, FMatrixRMaj> replacements) {
        final LlamaModel m = copy();
        replacements.forEach(m::replaceWeight);
        return m;
    }

    /**
     * Every tensor by Hugging Face name, for writing a checkpoint: the embedding, the head when untied, the norms and
     * every projection in dense form (replacements reconstructed).
     */
    public Map<String, Object> tensors() {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", embed);
        for (int l = 0; l < config.layers(); l++) {
            final String p = "model.layers." + l + ".";
            out.put(p + "input_layernorm.weight", vectors.get(p + "input_layernorm.weight"));
            for (String proj : PROJECTIONS) out.put(layer(l, proj), operator(layer(l, proj)).toDense());
            out.put(p + "post_attention_layernorm.weight", vectors.get(p + "post_attention_layernorm.weight"));
        }
        out.put("model.norm.weight", vectors.get("model.norm.weight"));
        if (!config.tiedEmbeddings()) out.put("lm_head.weight", head.toDense());
        return out;
    }

    /**
     * The backward pass over the current projections (their dense forms, copied now): per token window, every
     * projection's input and the gradient of the window's loss with respect to its output (docs/design.md §12).
     */
    public LossGradients lossGradients() {
        return new LossGradients(this);
    }

    /** The output head (the embedding's operator when tied). */
    public LinearOperator head() {
        return head;
    }

    /** The token embedding (vocab × hidden; not copied: do not modify). */
    public FMatrixRMaj embedding() {
        return embed;
    }

    /** A norm vector by Hugging Face name (not copied: do not modify). */
    public float[] norm(String tensorName) {
        final float[] v = vectors.get(tensorName);
        if (v == null) throw new IllegalArgumentException("model '" + name + "' has no norm '" + tensorName + "'");
        return v;
    }

    /** Logits (tokens × vocab) of a causal forward pass over token ids at positions 0..n−1. */
    public FMatrixRMaj forward(int[] tokens, ProjectionListener listener) {
        return logits(tokens, listener);
    }

    @Override
    public FMatrixRMaj logits(int[] tokens, ProjectionListener listener) {
        return logits(tokens, listener, parallelism);
    }

    @Override
    public FMatrixRMaj logits(int[] tokens, ProjectionListener listener, Parallelism parallelism) {
        java.util.Objects.requireNonNull(parallelism, "parallelism");
        return head.multiply(rmsNorm(hidden(tokens, listener, parallelism), vectors.get("model.norm.weight")), parallelism);
    }

    /**
     * One forward pass that reports every projection's input and stops before the final norm and the LM head, which
     * no projection reads (a calibration pass: the head is a fifth of SmolLM2's multiply-adds).
     */
    @Override
    public void run(int[] tokens, ProjectionListener listener) {
        hidden(tokens, listener, parallelism);
    }

    /** As {@link #run(int[], ProjectionListener)}, the pass split over {@code parallelism}'s threads (same bits). */
    @Override
    public void run(int[] tokens, ProjectionListener listener, Parallelism parallelism) {
        hidden(tokens, listener, java.util.Objects.requireNonNull(parallelism, "parallelism"));
    }

    /** The residual stream after the last block (tokens × hidden), the pass on {@code par}'s threads. */
    private FMatrixRMaj hidden(int[] tokens, ProjectionListener listener, Parallelism par) {
        final FMatrixRMaj x = embed(tokens);
        final double[][] rope = rope(0, tokens.length, config.headDim(), config.ropeTheta());
        for (int l = 0; l < config.layers(); l++) block(l, x, rope, listener, par);
        return x;
    }

    /**
     * The residual stream entering every layer for one token sequence: element l (l = 0..layers−1) is the input of
     * layer l (tokens × hidden, fresh matrices). With {@link #logitsFrom} a change of one layer's projections costs
     * only the layers from it on (the perturbation sensitivities of docs/design.md §12).
     */
    public List<FMatrixRMaj> residualStream(int[] tokens) {
        final FMatrixRMaj x = embed(tokens);
        final double[][] rope = rope(0, tokens.length, config.headDim(), config.ropeTheta());
        final List<FMatrixRMaj> out = new ArrayList<>(config.layers());
        for (int l = 0; l < config.layers(); l++) {
            out.add(x.copy());
            if (l + 1 < config.layers()) block(l, x, rope, null, parallelism);
        }
        return out;
    }

    /**
     * Logits (tokens × vocab) when {@code residual} (tokens × hidden, not modified) enters layer {@code layer}: layers
     * layer..layers−1 on the current projections, the final norm and the head. With the residual of
     * {@link #residualStream} this equals {@link #logits} bit for bit while nothing before the layer changed.
     */
    public FMatrixRMaj logitsFrom(int layer, FMatrixRMaj residual) {
        return logitsFrom(layer, residual, parallelism);
    }

    /** The threads the model's own passes run on. */
    public Parallelism parallelism() {
        return parallelism;
    }

    /**
     * As {@link #logitsFrom(int, FMatrixRMaj)} on {@code parallelism}'s threads in place of the model's own (callers
     * running several passes at once give each one thread); the logits do not depend on it.
     */
    public FMatrixRMaj logitsFrom(int layer, FMatrixRMaj residual, Parallelism parallelism) {
        java.util.Objects.requireNonNull(parallelism, "parallelism");
        if (layer < 0 || layer >= config.layers()) throw new IllegalArgumentException("layer must be in [0, " + config.layers() + "), got " + layer);
        if (residual.numCols != config.hiddenSize() || residual.numRows < 1) {
            throw new IllegalArgumentException("residual is " + residual.numRows + "x" + residual.numCols + ", expected tokens x " + config.hiddenSize());
        }
        final FMatrixRMaj x = residual.copy();
        final double[][] rope = rope(0, x.numRows, config.headDim(), config.ropeTheta());
        for (int l = layer; l < config.layers(); l++) block(l, x, rope, null, parallelism);
        return head.multiply(rmsNorm(x, vectors.get("model.norm.weight")), parallelism);
    }

    private FMatrixRMaj embed(int[] tokens) {
        final int n = tokens.length, hidden = config.hiddenSize();
        if (n == 0) throw new IllegalArgumentException("tokens must be non-empty");
        final FMatrixRMaj x = new FMatrixRMaj(n, hidden);
        for (int t = 0; t < n; t++) {
            checkToken(tokens[t], t);
            System.arraycopy(embed.data, tokens[t] * hidden, x.data, t * hidden, hidden);
        }
        return x;
    }

    /** Layer l on the residual stream x (tokens × hidden, updated in place). */
    private void block(int l, FMatrixRMaj x, double[][] rope, ProjectionListener listener, Parallelism parallelism) {
        layerPass(l, x, rope, listener, parallelism, p -> op(l, p), false);
    }

    /**
     * One layer's activations, as {@link #layerPass} computes them: the normed inputs h and h2, q and k after RoPE, v, the
     * attention output, the residual x1 after the attention, the MLP's gate before SwiGLU, up, and act = silu(gate)·up.
     */
    record Activations(FMatrixRMaj h, FMatrixRMaj q, FMatrixRMaj k, FMatrixRMaj v, FMatrixRMaj attn, FMatrixRMaj x1,
                       FMatrixRMaj h2, FMatrixRMaj gate, FMatrixRMaj up, FMatrixRMaj act) {}

    /**
     * Layer l on x (updated in place) with the projections {@code ops} gives by index in {@link #PROJECTIONS}: the
     * model's forward ({@link #block}) and, with {@code keep}, the recomputation of {@link LossGradients}, which then
     * gets the layer's activations (null without {@code keep}).
     */
    Activations layerPass(int l, FMatrixRMaj x, double[][] rope, ProjectionListener listener, Parallelism parallelism,
                          java.util.function.IntFunction<LinearOperator> ops, boolean keep) {
        final int n = x.numRows, hd = config.headDim();
        final String p = "model.layers." + l + ".";
        final FMatrixRMaj h = rmsNorm(x, vectors.get(p + "input_layernorm.weight"));
        notify(listener, layer(l, "self_attn.q_proj"), h);
        notify(listener, layer(l, "self_attn.k_proj"), h);
        notify(listener, layer(l, "self_attn.v_proj"), h);
        final FMatrixRMaj q = ops.apply(0).multiply(h, parallelism);
        final FMatrixRMaj k = ops.apply(1).multiply(h, parallelism);
        final FMatrixRMaj v = ops.apply(2).multiply(h, parallelism);
        for (int t = 0; t < n; t++) {
            applyRope(q.data, t * q.numCols, config.heads(), hd, rope[t]);
            applyRope(k.data, t * k.numCols, config.kvHeads(), hd, rope[t]);
        }
        final FMatrixRMaj attn = attention(q, k, v, parallelism);
        notify(listener, layer(l, "self_attn.o_proj"), attn);
        add(x.data, ops.apply(3).multiply(attn, parallelism).data);
        final FMatrixRMaj x1 = keep ? x.copy() : null;
        final FMatrixRMaj h2 = rmsNorm(x, vectors.get(p + "post_attention_layernorm.weight"));
        notify(listener, layer(l, "mlp.gate_proj"), h2);
        notify(listener, layer(l, "mlp.up_proj"), h2);
        final FMatrixRMaj gate = ops.apply(4).multiply(h2, parallelism);
        final FMatrixRMaj up = ops.apply(5).multiply(h2, parallelism);
        final FMatrixRMaj act = keep ? new FMatrixRMaj(gate.numRows, gate.numCols) : gate;
        swiglu(gate.data, up.data, act.data);
        notify(listener, layer(l, "mlp.down_proj"), act);
        add(x.data, ops.apply(6).multiply(act, parallelism).data);
        return keep ? new Activations(h, q, k, v, attn, x1, h2, gate, up, act) : null;
    }

    private LinearOperator op(int layer, int projection) {
        return ops.get(layer(layer, PROJECTIONS.get(projection)));
    }

    private void checkToken(int token, int position) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token " + token + " at position " + position + " outside the vocabulary of " + config.vocabSize());
        }
    }

    private static void notify(ProjectionListener listener, String name, FMatrixRMaj input) {
        if (listener != null) listener.onInput(name, input);
    }

    @Override
    public Decoder decoder(int maxPositions) {
        if (maxPositions < 1) throw new IllegalArgumentException("maxPositions must be positive, got " + maxPositions);
        return new KvDecoder(maxPositions);
    }

    /** Batch-1 decoding with a key/value cache: one GEMV per projection and position. */
    private final class KvDecoder implements Decoder {
        private final int max;
        private final float[][] keys, values; // [layer][position * kvWidth]
        private int pos;

        KvDecoder(int max) {
            this.max = max;
            final int kvw = config.kvHeads() * config.headDim();
            keys = new float[config.layers()][];
            values = new float[config.layers()][];
            for (int l = 0; l < config.layers(); l++) {
                keys[l] = new float[max * kvw];
                values[l] = new float[max * kvw];
            }
        }

        @Override
        public int position() {
            return pos;
        }

        @Override
        public float[] next(int token) {
            if (pos >= max) throw new IllegalStateException("decoder is full: " + max + " positions");
            checkToken(token, pos);
            final int hidden = config.hiddenSize(), hd = config.headDim(), kvw = config.kvHeads() * hd;
            final int heads = config.heads(), group = heads / config.kvHeads();
            final float[] x = new float[hidden];
            System.arraycopy(embed.data, token * hidden, x, 0, hidden);
            final double[] rope = rope(pos, pos + 1, hd, config.ropeTheta())[0];
            final FloatOps ops = FloatOps.get();
            final double scale = 1 / Math.sqrt(hd);
            final double[] scores = new double[pos + 1];
            for (int l = 0; l < config.layers(); l++) {
                final String p = "model.layers." + l + ".";
                final float[] h = rmsNorm(x, vectors.get(p + "input_layernorm.weight"));
                final float[] q = op(l, 0).multiply(h, null, parallelism);
                final float[] k = op(l, 1).multiply(h, null, parallelism);
                final float[] v = op(l, 2).multiply(h, null, parallelism);
                applyRope(q, 0, heads, hd, rope);
                applyRope(k, 0, config.kvHeads(), hd, rope);
                System.arraycopy(k, 0, keys[l], pos * kvw, kvw);
                System.arraycopy(v, 0, values[l], pos * kvw, kvw);
                final float[] attn = new float[heads * hd];
                for (int head = 0; head < heads; head++) {
                    final int kvh = head / group;
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= pos; u++) {
                        scores[u] = ops.dot(q, head * hd, keys[l], u * kvw + kvh * hd, hd) * scale;
                        mx = Math.max(mx, scores[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= pos; u++) {
                        scores[u] = Math.exp(scores[u] - mx);
                        sum += scores[u];
                    }
                    for (int u = 0; u <= pos; u++) ops.axpy((float) (scores[u] / sum), values[l], u * kvw + kvh * hd, attn, head * hd, hd);
                }
                add(x, op(l, 3).multiply(attn, null, parallelism));
                final float[] h2 = rmsNorm(x, vectors.get(p + "post_attention_layernorm.weight"));
                final float[] gate = op(l, 4).multiply(h2, null, parallelism);
                final float[] up = op(l, 5).multiply(h2, null, parallelism);
                swiglu(gate, up, gate);
                add(x, op(l, 6).multiply(gate, null, parallelism));
            }
            pos++;
            return head.multiply(rmsNorm(x, vectors.get("model.norm.weight")), null, parallelism);
        }
    }

    FMatrixRMaj rmsNorm(FMatrixRMaj x, float[] weight) {
        final int n = x.numRows, d = x.numCols;
        final FMatrixRMaj y = new FMatrixRMaj(n, d);
        for (int t = 0; t < n; t++) rmsNorm(x.data, t * d, d, weight, y.data);
        return y;
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        final float[] y = new float[x.length];
        rmsNorm(x, 0, x.length, weight, y);
        return y;
    }

    private void rmsNorm(float[] x, int off, int d, float[] weight, float[] y) {
        double ss = 0;
        for (int i = 0; i < d; i++) ss += (double) x[off + i] * x[off + i];
        final double inv = 1 / Math.sqrt(ss / d + config.rmsNormEps());
        for (int i = 0; i < d; i++) y[off + i] = (float) (x[off + i] * inv) * weight[i];
    }

    /** cos and sin tables for positions [from, to): [position − from][2·i] = cos, [2·i+1] = sin of position·θ^(−2i/hd). */
    static double[][] rope(int from, int to, int hd, double theta) {
        final double[][] table = new double[to - from][hd];
        for (int pos = from; pos < to; pos++) {
            for (int i = 0; i < hd / 2; i++) {
                final double angle = pos * Math.pow(theta, -2.0 * i / hd);
                table[pos - from][2 * i] = Math.cos(angle);
                table[pos - from][2 * i + 1] = Math.sin(angle);
            }
        }
        return table;
    }

    /** Rotate-half RoPE in place on every head of one position: (x_i, x_{i+hd/2}) rotated by the position's angle. */
    static void applyRope(float[] x, int base0, int heads, int hd, double[] table) {
        final int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            final int base = base0 + h * hd;
            for (int i = 0; i < half; i++) {
                final double c = table[2 * i], s = table[2 * i + 1];
                final double a = x[base + i], b = x[base + i + half];
                x[base + i] = (float) (a * c - b * s);
                x[base + i + half] = (float) (b * c + a * s);
            }
        }
    }

    /**
     * Causal grouped-query attention: head h reads key/value head h / (heads / kvHeads). Per head, the scores
     * Q_h·K_hᵀ and the weighted values P·V_h are two float GEMMs (the masked upper triangle of P is zero); the softmax
     * runs in double over the causal prefix of each row. Heads are split between threads, each head's arithmetic is
     * fixed, so the result does not depend on the thread count. {@link #attentionReference} is its twin.
     */
    FMatrixRMaj attention(FMatrixRMaj q, FMatrixRMaj k, FMatrixRMaj v, Parallelism parallelism) {
        final int n = q.numRows, heads = config.heads(), hd = config.headDim(), group = heads / config.kvHeads();
        final int qw = q.numCols, kw = k.numCols;
        final FMatrixRMaj out = new FMatrixRMaj(n, qw);
        final float scale = (float) (1 / Math.sqrt(hd));
        parallelism.forEachBlock(heads, 1, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final float[] qh = new float[n * hd], kt = new float[hd * n], vh = new float[n * hd];
            final float[] scores = new float[n * n], oh = new float[n * hd];
            final double[] e = new double[n];
            int loaded = -1;
            for (int h = from; h < to; h++) {
                final int kvh = h / group;
                if (kvh != loaded) { // K_hᵀ (hd × n) and V_h (n × hd), shared by the group's heads
                    for (int t = 0; t < n; t++) {
                        final int src = t * kw + kvh * hd;
                        for (int i = 0; i < hd; i++) kt[i * n + t] = k.data[src + i];
                        System.arraycopy(v.data, src, vh, t * hd, hd);
                    }
                    loaded = kvh;
                }
                for (int t = 0; t < n; t++) {
                    final int src = t * qw + h * hd;
                    for (int i = 0; i < hd; i++) qh[t * hd + i] = q.data[src + i] * scale;
                }
                ops.gemmTransposedA(qh, hd, kt, n, scores, 0, n); // (Q_h/√hd)·K_hᵀ
                causalSoftmax(scores, n, e);
                ops.gemmTransposedA(scores, n, vh, hd, oh, 0, n); // P·V_h
                for (int t = 0; t < n; t++) System.arraycopy(oh, t * hd, out.data, t * qw + h * hd, hd);
            }
        });
        return out;
    }

    /**
     * Row-wise causal softmax in place on an n × n score matrix: row t over its first t + 1 entries (in double, {@code e}
     * a scratch row of n), the entries above the diagonal set to 0. The attention's P; {@link LossGradients} recomputes
     * it with this same code.
     */
    static void causalSoftmax(float[] scores, int n, double[] e) {
        for (int t = 0; t < n; t++) {
            final int row = t * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u <= t; u++) max = Math.max(max, scores[row + u]);
            double sum = 0;
            for (int u = 0; u <= t; u++) {
                e[u] = Math.exp(scores[row + u] - max);
                sum += e[u];
            }
            final double inv = 1 / sum;
            for (int u = 0; u <= t; u++) scores[row + u] = (float) (e[u] * inv);
            java.util.Arrays.fill(scores, row + t + 1, row + n, 0f);
        }
    }

    /** The test twin of {@link #attention}: the same attention one dot product and one axpy per (query, key) pair. */
    FMatrixRMaj attentionReference(FMatrixRMaj q, FMatrixRMaj k, FMatrixRMaj v) {
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

    /** out ← silu(gate)·up, element by element ({@code out} may be {@code gate}). */
    private static void swiglu(float[] gate, float[] up, float[] out) {
        for (int i = 0; i < gate.length; i++) {
            final float g = gate[i];
            out[i] = (float) (g / (1 + Math.exp(-g))) * up[i];
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
