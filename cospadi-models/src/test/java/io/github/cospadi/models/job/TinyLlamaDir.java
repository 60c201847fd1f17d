package io.github.cospadi.models.job;

import io.github.cospadi.io.DType;
import io.github.cospadi.io.SafeTensorsWriter;
import io.github.cospadi.models.llama.LlamaConfig;
import io.github.cospadi.models.llama.LlamaModel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a random byte-level Llama (hidden 32, ffn 48, 2 layers) as a Hugging Face folder, and random windows. Public
 * for the tests of cospadi-spark (through the cospadi-models test jar).
 */
public final class TinyLlamaDir {
    private TinyLlamaDir() {}

    public static Path write(Path dir, long seed) throws IOException {
        final LlamaConfig c = new LlamaConfig(256, 32, 48, 2, 4, 2, 8, 10000.0, 1e-5, true, 64);
        final SplittableRandom r = new SplittableRandom(seed);
        final SafeTensorsWriter w = new SafeTensorsWriter();
        final int h = 32, f = 48, q = 32, kv = 16;
        final int[][] shapes = {{q, h}, {kv, h}, {kv, h}, {h, q}, {f, h}, {f, h}, {h, f}};
        w.add("model.embed_tokens.weight", DType.F32, new long[]{256, h}, matrix(256, h, r));
        for (int l = 0; l < 2; l++) {
            w.add("model.layers." + l + ".input_layernorm.weight", DType.F32, new long[]{h}, norm(h, r));
            w.add("model.layers." + l + ".post_attention_layernorm.weight", DType.F32, new long[]{h}, norm(h, r));
            for (int p = 0; p < LlamaModel.PROJECTIONS.size(); p++) {
                w.add("model.layers." + l + "." + LlamaModel.PROJECTIONS.get(p) + ".weight", DType.F32, new long[]{shapes[p][0], shapes[p][1]},
                        matrix(shapes[p][0], shapes[p][1], r));
            }
        }
        w.add("model.norm.weight", DType.F32, new long[]{h}, norm(h, r));
        Files.createDirectories(dir);
        w.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), MiniJson.write(c.toHuggingFace()), StandardCharsets.UTF_8);
        return dir;
    }

    public static List<int[]> windows(int count, int length, long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int[] t = new int[length];
            for (int j = 0; j < length; j++) t[j] = r.nextInt(256);
            out.add(t);
        }
        return out;
    }

    private static float[] matrix(int rows, int cols, SplittableRandom r) {
        final float[] m = new float[rows * cols];
        final double scale = 1.7 / Math.sqrt(cols);
        for (int i = 0; i < m.length; i++) m[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return m;
    }

    private static float[] norm(int n, SplittableRandom r) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.5 + r.nextDouble());
        return v;
    }
}
