package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SafeTensorsTest {
    static final Path MODEL = Path.of("..", "..", "shared", "models", "tinyllama-sotu");

    @TempDir
    Path dir;

    static LongStream seeds() {
        return LongStream.range(0, 10);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void roundTripsEveryDtypeAndRank(long seed) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed);
        final SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("seed", Long.toString(seed));
        final DType[] types = {DType.F32, DType.F64, DType.F16, DType.BF16};
        final float[][] data = new float[types.length][];
        final long[][] shapes = new long[types.length][];
        for (int t = 0; t < types.length; t++) {
            final int rank = 1 + random.nextInt(3);
            shapes[t] = new long[rank];
            int n = 1;
            for (int r = 0; r < rank; r++) {
                shapes[t][r] = 1 + random.nextInt(7);
                n *= shapes[t][r];
            }
            data[t] = new float[n];
            for (int i = 0; i < n; i++) data[t][i] = (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(5) - 2));
            w.add("t" + t, types[t], shapes[t], data[t]);
        }
        final Path file = dir.resolve("x.safetensors");
        w.write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(Arrays.asList("t0", "t1", "t2", "t3"), st.names(), "seed " + seed);
            assertEquals("pt", st.metadata().get("format"));
            for (int t = 0; t < types.length; t++) {
                final TensorInfo info = st.info("t" + t);
                assertEquals(types[t], info.dtype());
                assertArrayEquals(shapes[t], info.shape());
                final float[] back = st.readFloatArray("t" + t);
                for (int i = 0; i < back.length; i++) {
                    final float expected = types[t] == DType.F16 ? Half.f16ToFloat(Half.floatToF16(data[t][i]))
                            : types[t] == DType.BF16 ? Half.bf16ToFloat(Half.floatToBf16(data[t][i])) : data[t][i];
                    assertEquals(expected, back[i], 0f, "seed " + seed + " tensor " + t + " element " + i);
                }
            }
        }
    }

    @Test
    void readsMatricesAsEjml() throws IOException {
        final Path file = dir.resolve("m.safetensors");
        new SafeTensorsWriter().add("w", DType.F32, new long[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6})
                .add("g", DType.F64, new long[]{2, 2}, new double[]{1, 0.5, 0.5, 2}).add("v", DType.F32, new long[]{3}, new float[]{1, 2, 3})
                .write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            final FMatrixRMaj w = st.readFloat("w");
            assertEquals(2, w.numRows);
            assertEquals(6f, w.get(1, 2));
            final DMatrixRMaj g = st.readDouble("g");
            assertEquals(0.5, g.get(1, 0));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.readFloat("v"));
            assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
            final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> st.readFloat("nope"));
            assertTrue(missing.getMessage().contains("has no tensor 'nope'") && missing.getMessage().contains("w"), missing.getMessage());
        }
    }

    @Test
    void rejectsTruncatedAndCorruptFiles() throws IOException {
        final Path good = dir.resolve("good.safetensors");
        new SafeTensorsWriter().add("a", DType.F32, new long[]{4, 4}, new float[16]).add("b", DType.F32, new long[]{8}, new float[8]).write(good);
        final byte[] bytes = Files.readAllBytes(good);

        // truncated data
        assertIo(Arrays.copyOf(bytes, bytes.length - 3), "truncated safetensors file: tensor 'b'");
        // truncated inside the header and before the length
        assertIo(Arrays.copyOf(bytes, 20), "truncated safetensors file: header of");
        assertIo(Arrays.copyOf(bytes, 5), "no header length");
        // header length beyond the file / absurd
        final byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertIo(huge, "corrupt safetensors header length");
        // flipped header bytes: broken JSON
        final byte[] flipped = bytes.clone();
        flipped[8] = 'x';
        assertIo(flipped, "corrupt safetensors header");
        // overlapping offsets, and sizes that do not match the shape
        assertIo(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap");
        assertIo(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12");
        assertIo(withHeader("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'Q4'");
    }

    private byte[] withHeader(String json, int dataBytes) {
        final byte[] h = json.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private void assertIo(byte[] content, String fragment) throws IOException {
        final Path f = dir.resolve("bad-" + System.nanoTime() + ".safetensors");
        Files.write(f, content);
        final IOException e = assertThrows(IOException.class, () -> SafeTensors.open(f).close());
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        assertTrue(e.getMessage().contains(f.toString()), "message names the file");
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        final Path file = dir.resolve("a.safetensors");
        new SafeTensorsWriter().add("x", DType.F32, new long[]{1}, new float[]{1}).write(file);
        new SafeTensorsWriter().add("y", DType.F32, new long[]{1}, new float[]{2}).write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(java.util.List.of("y"), st.names());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the target file remains");
        }
    }

    @Test
    void readsTheSharedTinyLlamaCheckpointAndGrams() throws IOException {
        assumeTrue(Files.isDirectory(MODEL), "shared model assets absent");
        try (SafeTensors st = SafeTensors.open(MODEL.resolve("model.safetensors"))) {
            final FMatrixRMaj down = st.readFloat("model.layers.0.mlp.down_proj.weight");
            assertEquals(256, down.numRows);
            assertEquals(704, down.numCols);
            assertEquals(6 * 7, st.names().stream().filter(n -> n.endsWith("_proj.weight")).count());
        }
        try (SafeTensors g = SafeTensors.open(MODEL.resolve("calibration-grams.safetensors"))) {
            final DMatrixRMaj gram = g.readDouble("model.layers.0.mlp.down_proj.input_gram");
            assertEquals(704, gram.numRows);
            for (int i = 0; i < 704; i += 37) for (int j = 0; j < i; j += 11) assertEquals(gram.get(i, j), gram.get(j, i), 1e-9 * Math.abs(gram.get(i, i)));
        }
    }
}
