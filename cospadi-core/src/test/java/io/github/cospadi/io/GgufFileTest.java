package io.github.cospadi.io;

import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GgufFileTest {
    static final Path SMOLLM2 = Path.of(System.getProperty("user.home"), ".cache", "cospadi", "models", "smollm2-135m-instruct",
            "SmolLM2-135M-Instruct.Q4_1.gguf");

    @TempDir
    Path dir;

    /** Little-endian GGUF bytes written by hand. */
    static final class Raw {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Raw u8(int v) {
            b.write(v);
            return this;
        }

        Raw u32(long v) {
            for (int i = 0; i < 4; i++) b.write((int) (v >>> (8 * i)));
            return this;
        }

        Raw u64(long v) {
            for (int i = 0; i < 8; i++) b.write((int) (v >>> (8 * i)));
            return this;
        }

        Raw str(String s) {
            final byte[] x = s.getBytes(StandardCharsets.UTF_8);
            u64(x.length);
            b.write(x, 0, x.length);
            return this;
        }

        Raw header(int version, long tensors, long kvs) {
            b.write('G');
            b.write('G');
            b.write('U');
            b.write('F');
            return u32(version).u64(tensors).u64(kvs);
        }

        /** A tensor info: name, dims, type id, relative offset. */
        Raw tensor(String name, long[] dims, int type, long offset) {
            str(name).u32(dims.length);
            for (long d : dims) u64(d);
            return u32(type).u64(offset);
        }

        Raw pad(int alignment) {
            while (b.size() % alignment != 0) b.write(0);
            return this;
        }

        Raw zeros(int n) {
            for (int i = 0; i < n; i++) b.write(0);
            return this;
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }

    Path file(byte[] content) throws IOException {
        final Path f = Files.createTempFile(dir, "t", ".gguf");
        Files.write(f, content);
        return f;
    }

    void assertIo(byte[] content, String fragment) throws IOException {
        final Path f = file(content);
        final IOException e = assertThrows(IOException.class, () -> GgufFile.open(f).close());
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file: " + e.getMessage());
    }

    /** A writer with metadata of every type and four tensors of the writable types. */
    static GgufWriter sample(SplittableRandom random) {
        final float[] a = new float[64 * 3], b = new float[32], c = new float[8 * 5], d = new float[16];
        for (float[] x : new float[][]{a, b, c, d}) for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * 2);
        return new GgufWriter()
                .put("general.architecture", "llama")
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65535)
                .put("i16", GgufValueType.INT16, -32768)
                .put("u32", GgufValueType.UINT32, 4294967295L)
                .put("i32", GgufValueType.INT32, Integer.MIN_VALUE)
                .put("u64", GgufValueType.UINT64, -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .put("f32", GgufValueType.FLOAT32, 1e-5f)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .put("yes", GgufValueType.BOOL, true)
                .put("unicode", "naïve ✓ 𝄞")
                .putArray("tokens", GgufValueType.STRING, List.of("<s>", "Ġthe", "", "é"))
                .putArray("ids", GgufValueType.INT32, List.of(3, -1, 7))
                .putArray("scores", GgufValueType.FLOAT32, List.of(0.5f, -1.25f))
                .putArray("flags", GgufValueType.BOOL, List.of(true, false))
                .putArray("nested", GgufValueType.ARRAY, List.of(List.of(1L, 2L), List.of("x")))
                .add("q", GgmlType.Q8_0, new long[]{64, 3}, a)
                .add("f32", GgmlType.F32, new long[]{32}, b)
                .add("f16", GgmlType.F16, new long[]{8, 5}, c)
                .add("bf16", GgmlType.BF16, new long[]{4, 2, 2}, d);
    }

    @Test
    void readsMetadataInOrderWithTypedGetters() throws IOException {
        final Path f = dir.resolve("m.gguf");
        sample(new SplittableRandom(1)).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(3, g.version());
            assertEquals(List.of("general.architecture", "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "yes",
                    "unicode", "tokens", "ids", "scores", "flags", "nested"), List.copyOf(g.metadata().keySet()));
            assertEquals("llama", g.string("general.architecture"));
            assertEquals(255, g.integer("u8"));
            assertEquals(-128, g.integer("i8"));
            assertEquals(65535, g.integer("u16"));
            assertEquals(-32768, g.integer("i16"));
            assertEquals(4294967295L, g.integer("u32"));
            assertEquals(Integer.MIN_VALUE, g.integer("i32"));
            assertEquals("18446744073709551615", Long.toUnsignedString(g.integer("u64")));
            assertEquals(Long.MIN_VALUE, g.integer("i64"));
            assertEquals((double) 1e-5f, g.real("f32"));
            assertEquals(Math.PI, g.real("f64"));
            assertEquals(255.0, g.real("u8"), "integers widen to real");
            assertTrue(g.bool("yes"));
            assertEquals("naïve ✓ 𝄞", g.string("unicode"));
            assertEquals(List.of("<s>", "Ġthe", "", "é"), g.strings("tokens"));
            assertArrayEquals(new int[]{3, -1, 7}, g.integers("ids"));
            assertArrayEquals(new float[]{0.5f, -1.25f}, g.reals("scores"));
            assertArrayEquals(new float[]{3, -1, 7}, g.reals("ids"));
            assertEquals(List.of(List.of(1L, 2L), List.of("x")), g.metadata().get("nested"));
            assertEquals(GgufValueType.INT64, ((GgufArray) g.array("nested").get(0)).elementType(), "a plain list of Longs infers INT64");
            assertEquals(GgufValueType.UINT32, g.valueType("u32"));
            assertEquals(GgufValueType.FLOAT32, g.array("scores").elementType());
            assertTrue(g.has("u8"));
            assertFalse(g.has("nope"));
            assertThrows(UnsupportedOperationException.class, () -> g.metadata().put("x", 1L));
            assertThrows(UnsupportedOperationException.class, () -> g.strings("tokens").set(0, "x"));

            assertMessage(() -> g.string("nope"), "GGUF key 'nope' is missing");
            assertMessage(() -> g.string("u32"), "GGUF key 'u32' is UINT32, not a STRING");
            assertMessage(() -> g.integer("f32"), "GGUF key 'f32' is FLOAT32, not an integer");
            assertMessage(() -> g.real("tokens"), "GGUF key 'tokens' is an ARRAY of STRING, not a number");
            assertMessage(() -> g.strings("ids"), "GGUF key 'ids' is an ARRAY of INT32, not an array of STRING");
            assertMessage(() -> g.integers("scores"), "not an array of integers");
            assertMessage(() -> g.reals("tokens"), "not an array of numbers");
            assertMessage(() -> g.integers("u32"), "GGUF key 'u32' is UINT32, not an ARRAY");
        }
    }

    @Test
    void integersRejectValuesBeyondInt() throws IOException {
        final Path f = dir.resolve("big.gguf");
        new GgufWriter().putArray("a", GgufValueType.UINT32, List.of(1L, 4294967295L)).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertMessage(() -> g.integers("a"), "GGUF key 'a' element 1 = 4294967295 does not fit an int");
        }
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void tensorsHaveGgufDimsAlignedOffsetsAndReadBack() throws IOException {
        final Path f = dir.resolve("t.gguf");
        final float[] w = new float[3 * 64];
        for (int i = 0; i < w.length; i++) w[i] = i * 0.25f;
        new GgufWriter().alignment(64).add("w", GgmlType.F32, new long[]{64, 3}, w).add("v", GgmlType.F16, new long[]{5}, new float[]{1, 2, 3, 4, 5})
                .write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataOffset() % 64);
            final GgufTensor t = g.tensor("w");
            assertArrayEquals(new long[]{64, 3}, t.dims());
            assertArrayEquals(new long[]{3, 64}, t.torchShape());
            assertEquals(g.dataOffset(), t.offset());
            assertEquals(3 * 64 * 4, t.bytes());
            assertEquals(0, g.tensor("v").offset() % 64);
            final FMatrixRMaj m = g.readMatrix("w");
            assertEquals(3, m.numRows, "rows = ne1 (out features)");
            assertEquals(64, m.numCols, "cols = ne0 (in features)");
            assertEquals(w[64 + 5], m.get(1, 5), "row-major: element (i1, i0) at i0 + ne0·i1");
            assertArrayEquals(new float[]{1, 2, 3, 4, 5}, g.readFloats("v"));
            assertMessage(() -> g.readMatrix("v"), "tensor 'v' has 1 dims [5], expected a matrix");
            assertMessage(() -> g.tensor("x"), "has no tensor 'x' (it has 2 tensors, e.g. [w, v])");
            assertTrue(g.hasTensor("w"));
            assertFalse(g.hasTensor("x"));
            assertEquals(List.of("w", "v"), g.tensors().stream().map(GgufTensor::name).toList());
        }
    }

    @Test
    void windowedMappingGivesTheSameFloats() throws IOException {
        final Path f = dir.resolve("w.gguf");
        sample(new SplittableRandom(2)).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            for (GgufTensor t : g.tensors()) {
                final float[] whole = g.readFloats(t.name());
                for (long window : new long[]{1, 34, 35, 100}) {
                    g.windowBytes(window);
                    assertArrayEquals(whole, g.readFloats(t.name()), t.name() + " with windows of " + window + " bytes");
                }
                g.windowBytes(GgufFile.WINDOW_BYTES);
            }
        }
    }

    @Test
    void acceptsVersion2AndDefaultAlignment() throws IOException {
        final Raw r = new Raw().header(2, 1, 1).str("general.name").u32(8).str("v2").tensor("x", new long[]{2}, 0, 0).pad(32);
        r.u32(Float.floatToRawIntBits(1.5f)).u32(Float.floatToRawIntBits(-2f));
        try (GgufFile g = GgufFile.open(file(r.bytes()))) {
            assertEquals(2, g.version());
            assertEquals(32, g.alignment());
            assertArrayEquals(new float[]{1.5f, -2f}, g.readFloats("x"));
        }
    }

    @Test
    void aKnownTypeCospadiCannotDequantizeOpensAndFailsOnRead() throws IOException {
        final Raw r = new Raw().header(3, 1, 0).tensor("blk.0.w", new long[]{256}, GgmlType.Q2_K.id(), 0).pad(32).zeros(84);
        try (GgufFile g = GgufFile.open(file(r.bytes()))) {
            assertEquals(GgmlType.Q2_K, g.tensor("blk.0.w").type());
            assertMessage(() -> g.readFloats("blk.0.w"), "tensor 'blk.0.w' has type Q2_K, which cospadi cannot dequantize (supported: [F32, F16, Q4_0");
        }
    }

    @Test
    void rejectsBadHeadersNamingTheField() throws IOException {
        assertIo(new byte[]{'G', 'G'}, "no magic");
        assertIo("GGML\3\0\0\0".getBytes(StandardCharsets.ISO_8859_1), "not a GGUF file: magic 'GGML'");
        assertIo(new Raw().header(1, 0, 0).bytes(), "GGUF version 1 is not supported");
        assertIo(new Raw().header(4, 0, 0).bytes(), "unsupported GGUF version 4");
        assertIo(new Raw().header(3 << 24, 0, 0).bytes(), "big-endian");
        assertIo(Arrays.copyOf(new Raw().header(3, 0, 0).bytes(), 12), "truncated GGUF header: tensor count");
        assertIo(new Raw().header(3, 1L << 40, 0).bytes(), "GGUF tensor count 1099511627776 is larger than the file could hold");
        assertIo(new Raw().header(3, -1, 0).bytes(), "GGUF tensor count 18446744073709551615");
        assertIo(new Raw().header(3, 0, 1000).zeros(100).bytes(), "GGUF metadata count 1000 is larger than the file could hold");
        // a key whose string length claims more bytes than the file has: no allocation of that size
        assertIo(new Raw().header(3, 0, 1).u64(Long.MAX_VALUE).zeros(20).bytes(), "GGUF metadata key #0 has string length 9223372036854775807");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(8).u64(1L << 33).zeros(8).bytes(), "GGUF key 'k' has string length 8589934592");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(9).u32(5).u64(1L << 31).zeros(16).bytes(), "GGUF key 'k' has array length 2147483648");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(9).u32(8).u64(3).str("a").u64(999).zeros(40).bytes(),
                "GGUF key 'k' element 1 has string length 999");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(13).zeros(8).bytes(), "GGUF key 'k' has unknown value type id 13");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(9).u32(77).u64(0).bytes(), "GGUF key 'k' array element has unknown value type id 77");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(7).u8(2).bytes(), "GGUF key 'k' has BOOL value 2");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(8).u64(2).u8(0xc3).u8(0x28).bytes(), "GGUF key 'k' is not valid UTF-8");
        assertIo(new Raw().header(3, 0, 1).str("").u32(0).u8(1).bytes(), "GGUF metadata key #0 is empty");
        assertIo(new Raw().header(3, 0, 2).str("k").u32(0).u8(1).str("k").u32(0).u8(2).bytes(), "duplicate GGUF metadata key 'k'");
        assertIo(new Raw().header(3, 0, 1).str("k").u32(4).zeros(2).bytes(), "truncated GGUF header: GGUF key 'k' needs 4 bytes");
        final Raw deep = new Raw().header(3, 0, 1).str("k").u32(9);
        for (int i = 0; i < 20; i++) deep.u32(9).u64(1);
        assertIo(deep.u32(0).u64(0).bytes(), "GGUF key 'k' element 0 element 0");
        assertIo(new Raw().header(3, 0, 1).str("general.alignment").u32(4).u32(48).bytes(), "'general.alignment' = 48 is not a power of two");
        assertIo(new Raw().header(3, 0, 1).str("general.alignment").u32(8).str("32").bytes(), "'general.alignment' is STRING, not an integer");
    }

    @Test
    void rejectsBadTensorInfosNamingTheTensor() throws IOException {
        assertIo(tensorFile(new long[]{0, 2}, 0, 0, 64), "GGUF tensor 'w' has dim 0 = 0 (must be positive)");
        assertIo(tensorFile(new long[]{2, -3}, 0, 0, 64), "GGUF tensor 'w' has dim 1 = 18446744073709551613");
        assertIo(tensorFile(new long[]{1, 1, 1, 1, 1}, 0, 0, 64), "GGUF tensor 'w' has 5 dims (GGUF allows 1 to 4)");
        assertIo(tensorFile(new long[]{}, 0, 0, 64), "GGUF tensor 'w' has 0 dims");
        assertIo(tensorFile(new long[]{1L << 32, 1L << 32}, 0, 0, 64), "GGUF tensor 'w' has dims [4294967296, 4294967296] whose element count overflows");
        assertIo(tensorFile(new long[]{1L << 30, 1L << 30}, 0, 0, 64), "truncated GGUF file: tensor 'w'");
        assertIo(tensorFile(new long[]{1L << 31, 1L << 31}, 0, 0, 64), "GGUF tensor 'w' has dims [2147483648, 2147483648] whose byte size overflows");
        assertIo(tensorFile(new long[]{32}, 99, 0, 64), "GGUF tensor 'w' has unknown ggml type id 99");
        assertIo(tensorFile(new long[]{32}, 32, 0, 64), "GGUF tensor 'w' has ggml type id 32 (Q4_0_4_8)");
        assertIo(tensorFile(new long[]{16, 2}, GgmlType.Q8_0.id(), 0, 64), "GGUF tensor 'w' of type Q8_0 has ne0 = 16, not a multiple of the block size 32");
        assertIo(tensorFile(new long[]{4}, 0, 16, 64), "GGUF tensor 'w' has offset 16, not a multiple of the alignment 32");
        assertIo(tensorFile(new long[]{17}, 0, 0, 64), "truncated GGUF file: tensor 'w' (F32 [17]) needs bytes");
        assertIo(tensorFile(new long[]{4}, 0, 64, 64), "truncated GGUF file: tensor 'w'");
        assertIo(tensorFile(new long[]{4}, 0, Long.MAX_VALUE - 31, 64), "truncated GGUF file: tensor 'w'");
        // overlapping and duplicate tensors
        assertIo(new Raw().header(3, 2, 0).tensor("a", new long[]{16}, 0, 0).tensor("b", new long[]{8}, 0, 32).pad(32).zeros(96).bytes(),
                "GGUF tensors 'a' [");
        assertIo(new Raw().header(3, 2, 0).tensor("a", new long[]{8}, 0, 0).tensor("a", new long[]{8}, 0, 32).pad(32).zeros(64).bytes(),
                "duplicate GGUF tensor name 'a'");
        // the data section itself beyond the end
        assertIo(new Raw().header(3, 1, 0).tensor("a", new long[]{1}, 0, 0).bytes(), "truncated GGUF file: the data section would start at byte");
        final String longName = "abcdefghijklmnopqrstuvwxyz";
        assertIo(Arrays.copyOf(new Raw().header(3, 1, 0).tensor(longName, new long[]{1}, 0, 0).bytes(), 24 + 8 + 26 + 2),
                "truncated GGUF header: GGUF tensor '" + longName + "' number of dims needs 4 bytes");
    }

    private static byte[] tensorFile(long[] dims, int type, long offset, int dataBytes) {
        return new Raw().header(3, 1, 0).tensor("w", dims, type, offset).pad(32).zeros(dataBytes).bytes();
    }

    private static byte[] valid;

    /** The bytes of {@link #sample}, written once (a write syncs to disk, too slow for every case). */
    private synchronized byte[] validFile() throws IOException {
        if (valid == null) {
            final Path good = dir.resolve("good.gguf");
            sample(new SplittableRandom(5)).write(good);
            valid = Files.readAllBytes(good);
        }
        return valid;
    }

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    /**
     * Random truncations and byte flips of a valid file (flips biased to the header, where the structure is) give an
     * IOException or a file that opens and reads (or refuses a tensor with an IllegalArgumentException, e.g. a type
     * id flipped to one cospadi cannot dequantize): never another exception, an OutOfMemoryError or a hang.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void corruptedFilesFailCleanly(long seed) throws IOException {
        final byte[] bytes = validFile();
        final SplittableRandom random = new SplittableRandom(seed * 31 + 7);
        byte[] bad = bytes.clone();
        final int mode = random.nextInt(3);
        if (mode == 0) {
            bad = Arrays.copyOf(bytes, random.nextInt(bytes.length));
        } else {
            final int flips = 1 + random.nextInt(mode == 1 ? 3 : 20);
            final int headerEnd = Math.min(bytes.length, 700);
            for (int i = 0; i < flips; i++) {
                final int at = random.nextInt(4) == 0 ? random.nextInt(bytes.length) : random.nextInt(headerEnd);
                bad[at] = random.nextInt(3) == 0 ? (byte) 0xff : (byte) (bad[at] ^ (1 << random.nextInt(8)));
            }
        }
        final Path f = file(bad);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (GgufFile g = GgufFile.open(f)) {
                for (GgufTensor t : g.tensors()) {
                    try {
                        assertEquals(t.elements(), g.readFloats(t.name()).length);
                    } catch (IllegalArgumentException e) {
                        assertTrue(e.getMessage().contains("cannot dequantize") || e.getMessage().contains("too many"), "seed " + seed + ": " + e);
                    }
                }
            } catch (IOException e) {
                assertTrue(e.getMessage().startsWith(f.toString()), "seed " + seed + ": message names the file: " + e.getMessage());
            } catch (Throwable e) {
                fail("seed " + seed + " (mode " + (mode == 0 ? "truncate" : "flip") + "): " + e, e);
            }
        }, "seed " + seed);
    }

    @Test
    void readsSmolLM2BitIdenticalToGgufPy() throws IOException {
        assumeTrue(Files.isRegularFile(SMOLLM2), "SmolLM2 GGUF absent (scripts/fetch-model.sh)");
        try (GgufFile g = GgufFile.open(SMOLLM2)) {
            assertEquals(3, g.version());
            assertEquals("llama", g.string("general.architecture"));
            assertEquals(30, g.integer("llama.block_count"));
            assertEquals(576, g.integer("llama.embedding_length"));
            assertEquals(49152, g.strings("tokenizer.ggml.tokens").size());
            assertEquals(272, g.tensors().size());
            assertFalse(g.hasTensor("output.weight"), "tied embeddings");
            final GgufTensor embd = g.tensor("token_embd.weight");
            assertEquals(GgmlType.Q8_0, embd.type());
            assertArrayEquals(new long[]{576, 49152}, embd.dims());
            // bit patterns of elements 0, 1, 577 and the last, from gguf-py's gguf.quants.dequantize (gguf 0.19.0)
            final float[] e = g.readFloats("token_embd.weight");
            assertArrayEquals(new int[]{0xbdda3400, 0x3d071400, 0xbc820000, 0xbd2ad000},
                    new int[]{Float.floatToRawIntBits(e[0]), Float.floatToRawIntBits(e[1]), Float.floatToRawIntBits(e[577]), Float.floatToRawIntBits(e[e.length - 1])});
            final FMatrixRMaj q = g.readMatrix("blk.0.attn_q.weight");
            assertEquals(GgmlType.Q4_1, g.tensor("blk.0.attn_q.weight").type());
            assertArrayEquals(new int[]{0xbdc54000, 0x3e212000, 0xbdf04000, 0xbe830000},
                    new int[]{Float.floatToRawIntBits(q.data[0]), Float.floatToRawIntBits(q.data[1]), Float.floatToRawIntBits(q.get(1, 1)),
                            Float.floatToRawIntBits(q.data[q.data.length - 1])});
        }
    }
}
