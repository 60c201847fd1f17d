package io.github.cospadi.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test fixtures for the demo: a tiny random BERT encoder written as an ONNX protobuf in the Hugging Face export layout
 * that {@code BertModel} reads (hidden 32, one head, one layer, FFN 64, 64 positions), a WordPiece tokenizer.json
 * whose vocabulary spells any lower-case word letter by letter, model jars in LangChain4j's form, and a small corpus of
 * {@code YYYY_name.txt} addresses before and after 2000.
 */
final class TinyBert {
    static final int HIDDEN = 32, FFN = 64, POSITIONS = 64;
    static final List<String> VOCAB;

    static {
        final List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", ".", ","));
        for (char c = 'a'; c <= 'z'; c++) v.add(String.valueOf(c));
        for (char c = 'a'; c <= 'z'; c++) v.add("##" + c);
        VOCAB = List.copyOf(v);
    }

    private TinyBert() {}

    /** The ONNX ModelProto bytes of a one-layer random encoder (seeded). */
    static byte[] onnx(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final ByteArrayOutputStream graph = new ByteArrayOutputStream();
        tensor(graph, "embeddings.word_embeddings.weight", random, 0.5, VOCAB.size(), HIDDEN);
        tensor(graph, "embeddings.position_embeddings.weight", random, 0.1, POSITIONS, HIDDEN);
        tensor(graph, "embeddings.token_type_embeddings.weight", random, 0.1, 2, HIDDEN);
        layerNorm(graph, "embeddings.LayerNorm");
        final String p = "encoder.layer.0.";
        final Map<String, int[]> shapes = Map.of("attention.self.query", new int[]{HIDDEN, HIDDEN},
                "attention.self.key", new int[]{HIDDEN, HIDDEN}, "attention.self.value", new int[]{HIDDEN, HIDDEN},
                "attention.output.dense", new int[]{HIDDEN, HIDDEN}, "intermediate.dense", new int[]{HIDDEN, FFN},
                "output.dense", new int[]{FFN, HIDDEN});
        int anonymous = 0;
        for (String projection : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense", "intermediate.dense", "output.dense")) {
            final int[] inOut = shapes.get(projection);
            final String weight = "onnx::MatMul_" + (100 + anonymous++);
            tensor(graph, weight, random, 1 / Math.sqrt(inOut[0]), inOut[0], inOut[1]); // stored [in, out]
            tensor(graph, p + projection + ".bias", random, 0.02, inOut[1]);
            final ByteArrayOutputStream node = new ByteArrayOutputStream();
            string(node, 1, "hidden_states");
            string(node, 1, weight);
            string(node, 2, weight + "_out");
            string(node, 3, "/encoder/layer.0/" + projection.replace('.', '/') + "/MatMul");
            string(node, 4, "MatMul");
            message(graph, 1, node.toByteArray());
        }
        layerNorm(graph, p + "attention.output.LayerNorm");
        layerNorm(graph, p + "output.LayerNorm");
        final ByteArrayOutputStream model = new ByteArrayOutputStream();
        message(model, 7, graph.toByteArray());
        return model.toByteArray();
    }

    /** A Hugging Face tokenizer.json with a WordPiece model over {@link #VOCAB}, truncating to the positions. */
    static String tokenizerJson() {
        final StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < VOCAB.size(); i++) vocab.append(i == 0 ? "" : ", ").append('"').append(VOCAB.get(i)).append("\": ").append(i);
        return "{\"truncation\": {\"max_length\": " + POSITIONS + "}, \"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": true},"
                + " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\","
                + " \"max_input_chars_per_word\": 100, \"vocab\": {" + vocab + "}}}";
    }

    /** Writes a jar holding the given entries (name → content). */
    static Path jar(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(entries).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    /** A corpus folder: 60 seeded sentences of 8–20 words in 1990_test.txt and 30 in 2005_test.txt. */
    static Path corpus(Path dir) throws IOException {
        Files.createDirectories(dir);
        final String[] words = {"the", "state", "of", "our", "union", "is", "strong", "we", "will", "build", "a", "better",
                "future", "for", "all", "americans", "and", "congress", "must", "act", "now", "on", "jobs", "schools"};
        final SplittableRandom random = new SplittableRandom(3);
        for (String[] f : new String[][]{{"1990_test.txt", "60"}, {"2005_test.txt", "30"}}) {
            final StringBuilder text = new StringBuilder();
            for (int s = 0; s < Integer.parseInt(f[1]); s++) {
                final int n = 8 + random.nextInt(13);
                for (int w = 0; w < n; w++) text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
                text.append(". ");
            }
            Files.writeString(dir.resolve(f[0]), text.toString());
        }
        return dir;
    }

    private static void layerNorm(ByteArrayOutputStream graph, String name) {
        final float[] ones = new float[HIDDEN];
        java.util.Arrays.fill(ones, 1f);
        tensor(graph, name + ".weight", ones, HIDDEN);
        tensor(graph, name + ".bias", new float[HIDDEN], HIDDEN);
    }

    private static void tensor(ByteArrayOutputStream graph, String name, SplittableRandom random, double scale, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        final float[] values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        tensor(graph, name, values, dims);
    }

    /** An initializer (GraphProto field 5): TensorProto dims (1), data_type FLOAT (2 = 1), name (8), raw_data (9). */
    private static void tensor(ByteArrayOutputStream graph, String name, float[] values, int... dims) {
        final ByteArrayOutputStream t = new ByteArrayOutputStream();
        for (int d : dims) {
            tag(t, 1, 0);
            varint(t, d);
        }
        tag(t, 2, 0);
        varint(t, 1);
        string(t, 8, name);
        final ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) raw.putFloat(v);
        message(t, 9, raw.array());
        message(graph, 5, t.toByteArray());
    }

    private static void string(ByteArrayOutputStream out, int field, String s) {
        message(out, field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void message(ByteArrayOutputStream out, int field, byte[] bytes) {
        tag(out, field, 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, ((long) field << 3) | wireType);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
