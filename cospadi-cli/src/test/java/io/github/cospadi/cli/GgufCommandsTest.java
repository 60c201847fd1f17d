package io.github.cospadi.cli;

import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.GgufValueType;
import io.github.cospadi.io.GgufWriter;
import io.github.cospadi.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.github.cospadi.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** gguf-info and gguf-dump on a small GGUF file written by GgufWriter. */
class GgufCommandsTest {
    @TempDir
    Path dir;

    Path sample() throws IOException {
        final float[] w = new float[64 * 3], v = new float[5];
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i);
        for (int i = 0; i < v.length; i++) v[i] = i - 2;
        final Path f = dir.resolve("s.gguf");
        new GgufWriter().put("general.architecture", "llama").put("llama.block_count", GgufValueType.UINT32, 1)
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, List.of("a", "b\nc", "d", "e", "f"))
                .put("tokenizer.chat_template", "x".repeat(200))
                .add("blk.0.attn_q.weight", GgmlType.Q8_0, new long[]{64, 3}, w).add("output_norm.weight", GgmlType.F16, new long[]{5}, v)
                .write(f);
        return f;
    }

    @Test
    void infoPrintsVersionMetadataAndTensors() throws IOException {
        final MainTest.Run r = run("gguf-info", "--model", sample().toString());
        assertEquals(0, r.code(), r.err());
        for (String s : List.of("GGUF version 3, 4 metadata entries, 2 tensors, alignment 32", "general.architecture = \"llama\"  (STRING)",
                "llama.block_count = 1  (UINT32)", "tokenizer.ggml.tokens = [5 × STRING] \"a\", \"b\\nc\", \"d\", \"e\", ...", "... (200 chars)",
                "blk.0.attn_q.weight", "Q8_0", "[64, 3]", "2 tensors, 197 elements")) {
            assertTrue(r.out().contains(s), "output lacks '" + s + "':\n" + r.out());
        }
    }

    @Test
    void dumpWritesF32SafetensorsWithTorchShapes() throws IOException {
        final Path gguf = sample(), out = dir.resolve("d.safetensors");
        final MainTest.Run r = run("gguf-dump", "--model", gguf.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (GgufFile g = GgufFile.open(gguf); SafeTensors st = SafeTensors.open(out)) {
            assertEquals(List.of("blk.0.attn_q.weight", "output_norm.weight"), st.names());
            assertArrayEquals(new long[]{3, 64}, st.info("blk.0.attn_q.weight").shape(), "PyTorch order: (out, in)");
            assertArrayEquals(g.readFloats("blk.0.attn_q.weight"), st.readFloatArray("blk.0.attn_q.weight"));
            assertArrayEquals(new float[]{-2, -1, 0, 1, 2}, st.readFloatArray("output_norm.weight"));
            assertEquals(g.readMatrix("blk.0.attn_q.weight").get(2, 7), st.readFloat("blk.0.attn_q.weight").get(2, 7));
        }
    }

    @Test
    void errorsNameTheProblem() throws IOException {
        MainTest.Run r = run("gguf-dump", "--model", dir.resolve("none.gguf").toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--model: no such file"), r.err());
        r = run("gguf-info");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing --model"), r.err());
        final Path notGguf = dir.resolve("x.gguf");
        java.nio.file.Files.writeString(notGguf, "hello world");
        r = run("gguf-info", "--model", notGguf.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a GGUF file: magic 'hell'"), r.err());
    }
}
