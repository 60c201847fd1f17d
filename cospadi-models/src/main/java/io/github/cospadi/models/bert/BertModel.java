package io.github.cospadi.models.bert;

import io.github.cospadi.models.ProjectionListener;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.models.onnx.OnnxModel;
import org.ejml.data.FMatrixRMaj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family sentence encoder read from an ONNX export with the Hugging Face layout (initializers
 * {@code embeddings.*}, {@code encoder.layer.N.*} biases and LayerNorms; projection weights as anonymous MatMul
 * initializers named through their consuming nodes, e.g. {@code /encoder/layer.0/attention/self/query/MatMul},
 * stored [in, out]). Forward pass in float32: embeddings + LayerNorm, per layer multi-head self-attention, residual +
 * LayerNorm, erf-GELU feed-forward, residual + LayerNorm; sentence embedding = mean over tokens, L2-normalized (as
 * sentence-transformers do). Projections are exposed as (out × in) weights named
 * {@code encoder.layer.N.attention.self.query} etc.
 */
public final class BertModel implements io.github.cospadi.models.CompressibleModel {
    /** The six projections of every layer: HF module path (also the ONNX node path with '/'). */
    public static final List<String> PROJECTIONS = List.of("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense");
    static final double LAYER_NORM_EPS = 1e-12;

    private final int layers, hidden, heads;
    private final FMatrixRMaj wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings;
    private final Map<String, float[]> vectors;     // biases and LayerNorm parameters by HF name
    private final Map<String, FMatrixRMaj> weights; // projection weights (out x in) by projection name
    private final Map<String, float[]> transposed = new java.util.concurrent.ConcurrentHashMap<>(); // (in x out) for the GEMM
    /** Projections running on a replacement operator instead of their loaded weight. */
    private final Map<String, io.github.cospadi.kernel.LinearOperator> replaced = new java.util.concurrent.ConcurrentHashMap<>();
    private final Parallelism parallelism;

    private BertModel(int layers, int hidden, int heads, FMatrixRMaj word, FMatrixRMaj position, FMatrixRMaj tokenType,
                      Map<String, float[]> vectors, Map<String, FMatrixRMaj> weights, Parallelism parallelism) {
        this.layers = layers;
        this.hidden = hidden;
        this.heads = heads;
        this.wordEmbeddings = word;
        this.positionEmbeddings = position;
        this.tokenTypeEmbeddings = tokenType;
        this.vectors = vectors;
        this.weights = weights;
        this.parallelism = parallelism;
    }

    /** Builds the encoder; {@code heads} ≤ 0 picks hidden/64 for hidden ≥ 768, else hidden/32 (MiniLM: 384 → 12). */
    public static BertModel of(OnnxModel onnx, int heads, Parallelism parallelism) {
        final Map<String, OnnxModel.Tensor> init = onnx.initializers();
        final FMatrixRMaj word = matrix(init, "embeddings.word_embeddings.weight");
        final int hidden = word.numCols;
        int layers = 0;
        while (init.containsKey("encoder.layer." + layers + ".output.LayerNorm.weight")) layers++;
        if (layers == 0) throw new IllegalArgumentException("no encoder.layer.0.* initializers: not a BERT-family ONNX export");
        final int h = heads > 0 ? heads : (hidden >= 768 && hidden % 64 == 0 ? hidden / 64 : hidden / 32);
        if (hidden % h != 0) throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of heads " + h);
        final Map<String, float[]> vectors = new LinkedHashMap<>();
        for (OnnxModel.Tensor t : init.values()) if (t.dims().length == 1 && t.floats() != null) vectors.put(t.name(), t.floats());
        final Map<String, FMatrixRMaj> weights = new LinkedHashMap<>();
        for (OnnxModel.Node n : onnx.nodes()) {
            if (!n.opType().equals("MatMul") || n.inputs().size() != 2 || !init.containsKey(n.inputs().get(1))) continue;
            final String path = n.name().replaceAll("^/", "").replaceAll("/MatMul$", "").replace('/', '.'); // encoder.layer.0.attention.self.query
            final OnnxModel.Tensor t = init.get(n.inputs().get(1));
            if (t.dims().length != 2 || t.floats() == null) continue;
            final int in = (int) t.dims()[0], out = (int) t.dims()[1];
            final FMatrixRMaj w = new FMatrixRMaj(out, in); // stored [in, out]: transpose to PyTorch (out x in)
            for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) w.data[o * in + i] = t.floats()[i * out + o];
            weights.put(path, w);
        }
        final BertModel model = new BertModel(layers, hidden, h, word, matrix(init, "embeddings.position_embeddings.weight"),
                matrix(init, "embeddings.token_type_embeddings.weight"), vectors, weights, parallelism);
        for (String p : model.projectionNames()) {
            if (!weights.containsKey(p)) throw new IllegalArgumentException("no MatMul weight for " + p + " in the ONNX graph");
            if (!vectors.containsKey(p + ".bias")) throw new IllegalArgumentException("no bias initializer " + p + ".bias");
        }
        return model;
    }

    private static FMatrixRMaj matrix(Map<String, OnnxModel.Tensor> init, String name) {
        final OnnxModel.Tensor t = init.get(name);
        if (t == null || t.dims().length != 2 || t.floats() == null) throw new IllegalArgumentException("ONNX model has no float matrix '" + name + "'");
        return FMatrixRMaj.wrap((int) t.dims()[0], (int) t.dims()[1], t.floats());
    }

    public int layers() { return layers; }

    public int hidden() { return hidden; }

    public int heads() { return heads; }

    @Override
    public String name() {
        return "bert-" + layers + "x" + hidden;
    }

    @Override
    public List<io.github.cospadi.models.Projection> projections() {
        final List<io.github.cospadi.models.Projection> out = new ArrayList<>();
        for (String p : projectionNames()) out.add(new io.github.cospadi.models.Projection(p, weights.get(p).numRows, weights.get(p).numCols));
        return out;
    }

    @Override
    public io.github.cospadi.kernel.LinearOperator operator(String projection) {
        final io.github.cospadi.kernel.LinearOperator op = replaced.get(projection);
        return op != null ? op : io.github.cospadi.kernel.DenseLinear.wrap(weight(projection));
    }

    @Override
    public void replace(String projection, io.github.cospadi.kernel.LinearOperator operator) {
        io.github.cospadi.models.CompressibleModel.checkReplacement(projection(projection), operator);
        replaced.put(projection, operator);
    }

    @Override
    public void run(int[] tokens, ProjectionListener listener) {
        encode(tokens, listener);
    }

    /** Projection names, layer by layer: {@code encoder.layer.N.<projection>}. */
    public List<String> projectionNames() {
        final List<String> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) for (String p : PROJECTIONS) out.add("encoder.layer." + l + "." + p);
        return out;
    }

    /** A projection's loaded weight (out × in; not copied: do not modify), whatever replaces it at run time. */
    @Override
    public FMatrixRMaj weight(String projection) {
        final FMatrixRMaj w = weights.get(projection);
        if (w == null) throw new IllegalArgumentException("no projection '" + projection + "'");
        return w;
    }

    /** A model with some projection weights replaced (same shapes). */
    public BertModel withWeights(Map<String, FMatrixRMaj> replacements) {
        final Map<String, FMatrixRMaj> w = new LinkedHashMap<>(weights);
        replacements.forEach((name, m) -> {
            final FMatrixRMaj old = weight(name);
            if (old.numRows != m.numRows || old.numCols != m.numCols) {
                throw new IllegalArgumentException("replacement for '" + name + "' is " + m.numRows + "x" + m.numCols + ", expected "
                        + old.numRows + "x" + old.numCols);
            }
            w.put(name, m);
        });
        final BertModel m = new BertModel(layers, hidden, heads, wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings, vectors, w, parallelism);
        replaced.forEach((name, op) -> { if (!replacements.containsKey(name)) m.replaced.put(name, op); });
        return m;
    }

    /** The L2-normalized mean-pooled sentence embedding of one tokenized sentence (no padding needed). */
    public float[] embed(int[] tokens, ProjectionListener listener) {
        final FMatrixRMaj h = encode(tokens, listener);
        final float[] e = new float[hidden];
        for (int t = 0; t < h.numRows; t++) for (int i = 0; i < hidden; i++) e[i] += h.data[t * hidden + i];
        double norm = 0;
        for (int i = 0; i < hidden; i++) {
            e[i] /= h.numRows;
            norm += (double) e[i] * e[i];
        }
        final double inv = norm > 0 ? 1 / Math.sqrt(Math.max(norm, 1e-24)) : 0;
        for (int i = 0; i < hidden; i++) e[i] = (float) (e[i] * inv);
        return e;
    }

    /** Last hidden states (tokens × hidden) of one sentence (token type 0, positions from 0). */
    public FMatrixRMaj encode(int[] tokens, ProjectionListener listener) {
        final int n = tokens.length;
        if (n > positionEmbeddings.numRows) throw new IllegalArgumentException("sentence of " + n + " tokens exceeds " + positionEmbeddings.numRows + " positions");
        FMatrixRMaj x = new FMatrixRMaj(n, hidden);
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= wordEmbeddings.numRows) throw new IllegalArgumentException("token id " + tokens[t] + " outside the vocabulary");
            for (int i = 0; i < hidden; i++) {
                x.data[t * hidden + i] = wordEmbeddings.data[tokens[t] * hidden + i] + positionEmbeddings.data[t * hidden + i]
                        + tokenTypeEmbeddings.data[i];
            }
        }
        x = layerNorm(x, "embeddings.LayerNorm");
        for (int l = 0; l < layers; l++) {
            final String p = "encoder.layer." + l + ".";
            notify(listener, p + "attention.self.query", x);
            notify(listener, p + "attention.self.key", x);
            notify(listener, p + "attention.self.value", x);
            final FMatrixRMaj q = linear(x, p + "attention.self.query"), k = linear(x, p + "attention.self.key"),
                    v = linear(x, p + "attention.self.value");
            final FMatrixRMaj ctx = attention(q, k, v);
            notify(listener, p + "attention.output.dense", ctx);
            final FMatrixRMaj attnOut = linear(ctx, p + "attention.output.dense");
            add(attnOut, x);
            x = layerNorm(attnOut, p + "attention.output.LayerNorm");
            notify(listener, p + "intermediate.dense", x);
            final FMatrixRMaj inter = linear(x, p + "intermediate.dense");
            for (int i = 0; i < inter.data.length; i++) {
                final double z = inter.data[i];
                inter.data[i] = (float) (0.5 * z * (1 + Erf.erf(z / Math.sqrt(2))));
            }
            notify(listener, p + "output.dense", inter);
            final FMatrixRMaj out = linear(inter, p + "output.dense");
            add(out, x);
            x = layerNorm(out, p + "output.LayerNorm");
        }
        return x;
    }

    private static void notify(ProjectionListener listener, String name, FMatrixRMaj input) {
        if (listener != null) listener.onInput(name, input);
    }

    /** y = x·Wᵀ + b through the register-tiled GEMM on Wᵀ (in × out, the ONNX layout, kept beside W). */
    private FMatrixRMaj linear(FMatrixRMaj x, String projection) {
        final io.github.cospadi.kernel.LinearOperator op = replaced.get(projection);
        if (op != null) {
            final float[] bias = vectors.get(projection + ".bias");
            final FMatrixRMaj y = op.multiply(x, parallelism);
            for (int t = 0; t < y.numRows; t++) for (int o = 0; o < bias.length; o++) y.data[t * bias.length + o] += bias[o];
            return y;
        }
        final float[] wt = transposed.computeIfAbsent(projection, p -> transpose(weights.get(p)));
        final float[] bias = vectors.get(projection + ".bias");
        final int n = x.numRows, in = x.numCols, out = bias.length;
        final FMatrixRMaj y = new FMatrixRMaj(n, out);
        FloatOps.get().gemmTransposedA(x.data, in, wt, out, y.data, 0, n);
        for (int t = 0; t < n; t++) for (int o = 0; o < out; o++) y.data[t * out + o] += bias[o];
        return y;
    }

    private static float[] transpose(FMatrixRMaj w) {
        final float[] t = new float[w.numRows * w.numCols];
        for (int o = 0; o < w.numRows; o++) for (int i = 0; i < w.numCols; i++) t[i * w.numRows + o] = w.data[o * w.numCols + i];
        return t;
    }

    private FMatrixRMaj layerNorm(FMatrixRMaj x, String name) {
        final float[] gamma = vectors.get(name + ".weight"), beta = vectors.get(name + ".bias");
        if (gamma == null || beta == null) throw new IllegalArgumentException("no LayerNorm parameters " + name);
        final int n = x.numRows, d = x.numCols;
        final FMatrixRMaj y = new FMatrixRMaj(n, d);
        for (int t = 0; t < n; t++) {
            double mean = 0;
            for (int i = 0; i < d; i++) mean += x.data[t * d + i];
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                final double c = x.data[t * d + i] - mean;
                var += c * c;
            }
            final double inv = 1 / Math.sqrt(var / d + LAYER_NORM_EPS);
            for (int i = 0; i < d; i++) y.data[t * d + i] = (float) ((x.data[t * d + i] - mean) * inv) * gamma[i] + beta[i];
        }
        return y;
    }

    /** Bidirectional multi-head attention over the sentence's tokens. */
    private FMatrixRMaj attention(FMatrixRMaj q, FMatrixRMaj k, FMatrixRMaj v) {
        final int n = q.numRows, hd = hidden / heads;
        final FMatrixRMaj out = new FMatrixRMaj(n, hidden);
        final double scale = 1 / Math.sqrt(hd);
        parallelism.forEachBlock(heads, 1, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final double[] scores = new double[n];
            for (int h = from; h < to; h++) {
                for (int t = 0; t < n; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u < n; u++) {
                        scores[u] = ops.dot(q.data, t * hidden + h * hd, k.data, u * hidden + h * hd, hd) * scale;
                        max = Math.max(max, scores[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u < n; u++) {
                        scores[u] = Math.exp(scores[u] - max);
                        sum += scores[u];
                    }
                    for (int u = 0; u < n; u++) ops.axpy((float) (scores[u] / sum), v.data, u * hidden + h * hd, out.data, t * hidden + h * hd, hd);
                }
            }
        });
        return out;
    }

    private static void add(FMatrixRMaj y, FMatrixRMaj x) {
        for (int i = 0; i < y.data.length; i++) y.data[i] += x.data[i];
    }
}
