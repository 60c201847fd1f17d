package io.github.cospadi.models.llama;

import io.github.cospadi.Compressor;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.models.LanguageModel;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** The Llama forward pass on operators: the KV-cached decoder against the full pass, replacements, checks. */
class LlamaForwardTest {
    static LongStream seeds() {
        return LongStream.range(1, 9);
    }

    /** Property: decoding one token at a time with the cache gives the logits of the full causal pass at every position. */
    @ParameterizedTest
    @MethodSource("seeds")
    void decoderMatchesTheFullPass(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final SplittableRandom r = new SplittableRandom(seed);
        final int[] tokens = TinyLlamas.tokens(5 + r.nextInt(12), 256, r);
        final FMatrixRMaj full = m.logits(tokens, null);
        final LanguageModel.Decoder d = m.decoder(tokens.length);
        for (int t = 0; t < tokens.length; t++) {
            final float[] step = d.next(tokens[t]);
            for (int v = 0; v < 256; v++) {
                assertEquals(full.get(t, v), step[v], 2e-4 * (1 + Math.abs(full.get(t, v))), "seed " + seed + " position " + t + " logit " + v);
            }
        }
        assertEquals(tokens.length, d.position());
        assertThrows(IllegalStateException.class, () -> d.next(1), "seed " + seed + ": a full decoder refuses more tokens");
    }

    /** Property: the GEMM attention equals its twin (one dot and one axpy per query/key pair) to float rounding. */
    @ParameterizedTest
    @MethodSource("seeds")
    void attentionMatchesItsTwin(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final SplittableRandom r = new SplittableRandom(seed);
        final int n = 1 + r.nextInt(40), hd = m.config().headDim();
        final FMatrixRMaj q = random(n, m.config().heads() * hd, r), k = random(n, m.config().kvHeads() * hd, r), v = random(n, m.config().kvHeads() * hd, r);
        final FMatrixRMaj twin = m.attentionReference(q, k, v);
        for (Parallelism p : new Parallelism[]{Parallelism.sequential(), Parallelism.threads(2)}) {
            final FMatrixRMaj fast = m.attention(q, k, v, p);
            for (int i = 0; i < twin.data.length; i++) {
                assertEquals(twin.data[i], fast.data[i], 1e-5 * (1 + Math.abs(twin.data[i])), "seed " + seed + " n " + n + " entry " + i + " " + p);
            }
        }
    }

    private static FMatrixRMaj random(int rows, int cols, SplittableRandom r) {
        final FMatrixRMaj a = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) a.data[i] = (float) (3 * (2 * r.nextDouble() - 1));
        return a;
    }

    /** Property: the logits do not depend on the number of threads. */
    @ParameterizedTest
    @MethodSource("seeds")
    void threadsDoNotChangeTheLogits(long seed) {
        final LlamaModel one = TinyLlamas.random(TinyLlamas.config(false), seed, null, Parallelism.sequential());
        final LlamaModel two = TinyLlamas.random(TinyLlamas.config(false), seed, null, Parallelism.threads(2));
        final int[] tokens = TinyLlamas.tokens(9, 256, new SplittableRandom(seed));
        assertArrayEquals(one.logits(tokens, null).data, two.logits(tokens, null).data, "seed " + seed);
    }

    /** A compressed operator in place of a projection runs as that operator: same logits as its dense reconstruction. */
    @Test
    void compressedOperatorsRunInPlace() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 3, null, Parallelism.sequential());
        final String name = LlamaModel.layer(1, "mlp.down_proj");
        final var c = Compressor.builder().ratio(0.3).iterations(3).build().compress(m.weight(name));
        final LlamaModel viaOperator = m.copy(), viaDense = m.copy();
        viaOperator.replace(name, LinearOperator.of(c, CompressedLinear.CodePrecision.F32));
        viaDense.replaceWeight(name, c.reconstruct());
        final int[] tokens = {1, 50, 200, 7};
        final FMatrixRMaj a = viaOperator.logits(tokens, null), b = viaDense.logits(tokens, null), orig = m.logits(tokens, null);
        for (int i = 0; i < a.data.length; i++) assertEquals(b.data[i], a.data[i], 1e-3 * (1 + Math.abs(b.data[i])), "logit " + i);
        assertNotEquals(orig.data[5], a.data[5], "the replacement must change the copy");
        assertArrayEquals(orig.data, m.logits(tokens, null).data, "replacing in a copy leaves the original as it was");
    }

    @Test
    void rejectsBadReplacementsAndTokens() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 4, null, Parallelism.sequential());
        final String name = LlamaModel.layer(0, "self_attn.q_proj");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.replaceWeight(name, new FMatrixRMaj(3, 32)));
        assertTrue(e.getMessage().contains("replacement for '" + name + "' is 3x32, expected 32x32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.replaceWeight("model.layers.9.mlp.up_proj.weight", new FMatrixRMaj(3, 32)));
        assertTrue(e.getMessage().contains("no projection 'model.layers.9.mlp.up_proj.weight'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.logits(new int[]{1, 256}, null));
        assertTrue(e.getMessage().contains("token 256 at position 1"), e.getMessage());
    }

    /** A Qwen2 checkpoint (q/k/v biases) must not load as a Llama without them; a config without model_type neither. */
    @Test
    void huggingFaceConfigOfAnotherFamilyIsRejected(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        final String common = "\"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 8, \"num_hidden_layers\": 1, "
                + "\"num_attention_heads\": 2";
        java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen2\", " + common + "}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.read(dir.resolve("config.json")));
        assertTrue(e.getMessage().contains("model type 'qwen2' is not supported"), e.getMessage());
        java.nio.file.Files.writeString(dir.resolve("config.json"), "{" + common + "}");
        e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.read(dir.resolve("config.json")));
        assertTrue(e.getMessage().contains("missing 'model_type'"), e.getMessage());
        java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"attention_bias\": true, " + common + "}");
        e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.read(dir.resolve("config.json")));
        assertTrue(e.getMessage().contains("'attention_bias' = true is not supported"), e.getMessage());
        java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", " + common + "}");
        assertEquals(8, LlamaConfig.read(dir.resolve("config.json")).hiddenSize());
    }

    @Test
    void configRejectsOtherFamiliesByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.requireSupported("qwen2", "config.json"));
        assertTrue(e.getMessage().contains("model type 'qwen2' is not supported") && e.getMessage().contains("biases"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(10, 8, 8, 1, 3, 2, 4, 1e4, 1e-5, true));
        assertTrue(e.getMessage().contains("must be a multiple of num_key_value_heads"), e.getMessage());
    }
}
