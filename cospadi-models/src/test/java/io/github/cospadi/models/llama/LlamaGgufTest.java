package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.GgufValueType;
import io.github.cospadi.io.GgufWriter;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** A random tiny Llama written as GGUF (Q/K permuted as llama.cpp stores them) and loaded back. */
class LlamaGgufTest {
    /** GPT-2's byte → printable character map (bytes that print stand for themselves, the others from U+0100 on). */
    static List<String> byteTokens() {
        final List<String> out = new ArrayList<>();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            final boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out.add(String.valueOf((char) (printable ? b : next++)));
        }
        return out;
    }

    static GgufWriter metadata(LlamaConfig c, String arch) {
        final GgufWriter w = new GgufWriter();
        w.put("general.architecture", arch);
        w.put("llama.block_count", GgufValueType.UINT32, c.layers());
        w.put("llama.context_length", GgufValueType.UINT32, c.contextLength());
        w.put("llama.embedding_length", GgufValueType.UINT32, c.hiddenSize());
        w.put("llama.feed_forward_length", GgufValueType.UINT32, c.intermediateSize());
        w.put("llama.attention.head_count", GgufValueType.UINT32, c.heads());
        w.put("llama.attention.head_count_kv", GgufValueType.UINT32, c.kvHeads());
        w.put("llama.rope.freq_base", GgufValueType.FLOAT32, c.ropeTheta());
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32, c.rmsNormEps());
        w.put("tokenizer.ggml.model", "gpt2");
        w.put("tokenizer.ggml.pre", "gpt2");
        w.putArray("tokenizer.ggml.tokens", GgufValueType.STRING, byteTokens());
        w.putArray("tokenizer.ggml.merges", GgufValueType.STRING, List.of());
        return w;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTripGivesTheSameModel(boolean tied, @TempDir Path dir) throws Exception {
        final LlamaConfig c = TinyLlamas.config(tied);
        final LlamaModel m = TinyLlamas.random(c, tied ? 21 : 22, null, Parallelism.sequential());
        final Path file = dir.resolve("tiny.gguf");
        LlamaGguf.write(m, metadata(c, "llama"), file, GgmlType.F32);
        final LlamaModel back = LlamaGguf.load(file, Parallelism.sequential());
        assertEquals(c.tiedEmbeddings(), back.config().tiedEmbeddings());
        assertEquals(c.hiddenSize(), back.config().hiddenSize());
        for (String name : m.projectionNames()) assertArrayEquals(m.weight(name).data, back.weight(name).data, name);
        final int[] tokens = TinyLlamas.tokens(12, 256, new SplittableRandom(5));
        assertArrayEquals(m.logits(tokens, null).data, back.logits(tokens, null).data, "logits after the round trip");
        assertEquals("hello, world", back.tokenizer().decode(back.tokenizer().encode("hello, world")));
        assertArrayEquals(ByteTokens.of("hi there"), back.tokenizer().encode("hi there"), "byte-level ids without merges");
    }

    /** The permutation llama.cpp applies: file row h·hd + 2i + j holds Hugging Face row h·hd + j·hd/2 + i. */
    @Test
    void permutationMovesRowsAsLlamaCppDoes() {
        final FMatrixRMaj hf = new FMatrixRMaj(8, 1);   // 2 heads of hd = 4
        for (int r = 0; r < 8; r++) hf.data[r] = r;
        final FMatrixRMaj file = LlamaGguf.permute(hf, 2, 4);
        assertArrayEquals(new float[]{0, 2, 1, 3, 4, 6, 5, 7}, file.data);
        assertArrayEquals(hf.data, LlamaGguf.unpermute(file, 2, 4, "t").data);
    }

    @Test
    void otherArchitecturesAreRejectedByName(@TempDir Path dir) throws Exception {
        final LlamaConfig c = TinyLlamas.config(true);
        final LlamaModel m = TinyLlamas.random(c, 23, null, Parallelism.sequential());
        final Path file = dir.resolve("qwen.gguf");
        LlamaGguf.write(m, metadata(c, "qwen2"), file, GgmlType.F32);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaGguf.load(file, Parallelism.sequential()));
        assertTrue(e.getMessage().contains("model type 'qwen2' is not supported"), e.getMessage());
    }

    /** Byte ids of ASCII text. */
    static final class ByteTokens {
        static int[] of(String s) {
            final int[] ids = new int[s.length()];
            for (int i = 0; i < ids.length; i++) ids[i] = s.charAt(i);
            return ids;
        }
    }
}
