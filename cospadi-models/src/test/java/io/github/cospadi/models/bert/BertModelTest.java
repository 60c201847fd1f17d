package io.github.cospadi.models.bert;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.onnx.OnnxModel;
import io.github.cospadi.models.onnx.ProtoReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The pure-Java MiniLM encoder against onnxruntime on the same padded batch. */
class BertModelTest {
    static byte[] onnx;
    static BertModel model;
    static WordPieceTokenizer tokenizer;

    static final List<String> SENTENCES = List.of(
            "Mr. Speaker, Mr. Vice President, Members of Congress, my fellow Americans:",
            "The state of our Union is strong.",
            "We will cut taxes, créate jobs — and balance the budget by 2002!",
            "Tonight I ask you to join me.");

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = BertModelTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx");
             InputStream tok = BertModelTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            assertNotNull(in, "the MiniLM test dependency is missing");
            onnx = in.readAllBytes();
            tokenizer = WordPieceTokenizer.read(tok, "all-minilm-l6-v2-tokenizer.json");
        }
        model = BertModel.of(OnnxModel.read(new java.io.ByteArrayInputStream(onnx), "all-minilm-l6-v2.onnx"), 0, Parallelism.threads(2));
    }

    @Test
    void layoutIsRecognised() {
        assertEquals(6, model.layers());
        assertEquals(384, model.hidden());
        assertEquals(12, model.heads());
        assertEquals(36, model.projections().size());
        assertEquals(1536, model.weight("encoder.layer.0.intermediate.dense").numRows);
        assertEquals(384, model.weight("encoder.layer.0.intermediate.dense").numCols);
    }

    @Test
    void tokenizerProducesBertIds() {
        final int[] ids = tokenizer.encode("The state of our Union is strong.");
        assertEquals(101, ids[0]);
        assertEquals(102, ids[ids.length - 1]);
        assertArrayEquals(new int[]{101, 1996, 2110, 1997, 2256, 2586, 2003, 2844, 1012, 102}, ids);
        // accents stripped, punctuation split, unknown glyphs mapped to [UNK] (100)
        final int[] accents = tokenizer.encode("créate — ☃");
        assertEquals(tokenizer.encode("create - ☃").length, accents.length);
        assertEquals(100, accents[accents.length - 2]);
    }

    @Test
    void sentenceEmbeddingsMatchOnnxRuntime() throws Exception {
        final int[][] ids = new int[SENTENCES.size()][];
        int max = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.encode(SENTENCES.get(i));
            max = Math.max(max, ids[i].length);
        }
        final long[][] input = new long[ids.length][max], mask = new long[ids.length][max], types = new long[ids.length][max];
        for (int i = 0; i < ids.length; i++) for (int t = 0; t < ids[i].length; t++) {
            input[i][t] = ids[i][t];
            mask[i][t] = 1;
        }
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
            final Map<String, OnnxTensor> in = new HashMap<>();
            for (String name : session.getInputNames()) {
                in.put(name, OnnxTensor.createTensor(env, name.contains("mask") ? mask : name.contains("type") ? types : input));
            }
            try (OrtSession.Result r = session.run(in)) {
                final float[][][] hidden = (float[][][]) r.get(0).getValue();
                for (int i = 0; i < ids.length; i++) {
                    final float[] expected = new float[384];
                    for (int t = 0; t < ids[i].length; t++) for (int d = 0; d < 384; d++) expected[d] += hidden[i][t][d] / ids[i].length;
                    double norm = 0;
                    for (float v : expected) norm += v * v;
                    final float[] mine = model.embed(ids[i], null);
                    double dot = 0, maxDiff = 0;
                    for (int d = 0; d < 384; d++) {
                        final double e = expected[d] / Math.sqrt(norm);
                        dot += e * mine[d];
                        maxDiff = Math.max(maxDiff, Math.abs(e - mine[d]));
                    }
                    assertTrue(dot > 0.9999, "sentence " + i + ": cosine " + dot);
                    assertTrue(maxDiff < 2e-4, "sentence " + i + ": max abs difference " + maxDiff);
                }
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void truncatedOnnxInputIsRejected() {
        final byte[] cut = java.util.Arrays.copyOf(onnx, onnx.length / 3);
        final java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> OnnxModel.read(new java.io.ByteArrayInputStream(cut), "cut.onnx"));
        assertTrue(e.getMessage().contains("cut.onnx: not a valid ONNX model: truncated protobuf"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> {
            final ProtoReader r = ProtoReader.of(new byte[]{(byte) 0x80});
            r.next();
        });
    }
}
