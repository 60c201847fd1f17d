package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.tokenizer.ByteTokenizer;
import io.github.cospadi.models.tokenizer.Tokenizer;
import org.ejml.data.FMatrixRMaj;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Random Llama models small enough for property tests. */
final class TinyLlamas {
    private TinyLlamas() {}

    static LlamaConfig config(boolean tied) {
        // vocab 256 (bytes), hidden 32, ffn 48, 2 layers, 4 heads of 8, 2 KV heads
        return new LlamaConfig(256, 32, 48, 2, 4, 2, 8, 10000.0, 1e-5, tied, 64);
    }

    /** {@link #config} with ffn 64, so every row is whole blocks of 32 (Q8_0 and the other 32-element quantizations). */
    static LlamaConfig blockConfig(boolean tied) {
        return new LlamaConfig(256, 32, 64, 2, 4, 2, 8, 10000.0, 1e-5, tied, 64);
    }

    static LlamaModel random(LlamaConfig c, long seed, Tokenizer tokenizer, Parallelism parallelism) {
        final SplittableRandom r = new SplittableRandom(seed);
        final Map<String, float[]> vectors = new LinkedHashMap<>();
        final Map<String, FMatrixRMaj> weights = new LinkedHashMap<>();
        final int q = c.heads() * c.headDim(), kv = c.kvHeads() * c.headDim(), h = c.hiddenSize(), f = c.intermediateSize();
        final int[][] shapes = {{q, h}, {kv, h}, {kv, h}, {h, q}, {f, h}, {f, h}, {h, f}};
        for (int l = 0; l < c.layers(); l++) {
            vectors.put("model.layers." + l + ".input_layernorm.weight", norm(h, r));
            vectors.put("model.layers." + l + ".post_attention_layernorm.weight", norm(h, r));
            for (int p = 0; p < LlamaModel.PROJECTIONS.size(); p++) {
                weights.put(LlamaModel.layer(l, LlamaModel.PROJECTIONS.get(p)), matrix(shapes[p][0], shapes[p][1], r));
            }
        }
        vectors.put("model.norm.weight", norm(h, r));
        return new LlamaModel("tiny-" + seed, c, tokenizer == null ? ByteTokenizer.INSTANCE : tokenizer,
                matrix(c.vocabSize(), h, r), c.tiedEmbeddings() ? null : matrix(c.vocabSize(), h, r), vectors, weights, parallelism);
    }

    static FMatrixRMaj matrix(int rows, int cols, SplittableRandom r) {
        final FMatrixRMaj m = new FMatrixRMaj(rows, cols);
        final double scale = 1 / Math.sqrt(cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = (float) ((r.nextDouble() * 2 - 1) * scale * 1.7);
        return m;
    }

    static float[] norm(int n, SplittableRandom r) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.5 + r.nextDouble());
        return v;
    }

    static int[] tokens(int n, int vocab, SplittableRandom r) {
        final int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }
}
