package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.github.cospadi.io.GgufFileTest.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

class GgufWriterTest {
    @TempDir
    Path dir;

    static LongStream seeds() {
        return LongStream.range(0, 20);
    }

    /**
     * Q8_0 of a row written independently of {@link GgufWriter#quantizeQ8_0}: roundf as BigDecimal HALF_UP (ties away
     * from zero) of the float product x·id; 34 bytes per block (f16 d, 32 int8).
     */
    static byte[] referenceQ8_0(float[] x) {
        final byte[] out = new byte[x.length / 32 * 34];
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
            final float d = amax / 127f;
            final float id = d == 0 ? 0 : 1f / d;
            final short h = Half.floatToF16(d);
            out[34 * b] = (byte) h;
            out[34 * b + 1] = (byte) (h >> 8);
            for (int j = 0; j < 32; j++) {
                final float v = x[32 * b + j] * id;
                out[34 * b + 2 + j] = (byte) new BigDecimal(v).setScale(0, RoundingMode.HALF_UP).intValueExact();
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void roundTripsEveryWritableType(long seed) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed);
        final GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0};
        final float[][] data = new float[types.length][];
        final long[][] dims = new long[types.length][];
        final GgufWriter w = new GgufWriter().put("general.architecture", "test").put("seed", GgufValueType.UINT64, seed);
        if (seed % 2 == 1) w.alignment(1 << random.nextInt(9));
        for (int t = 0; t < types.length; t++) {
            final int rank = 1 + random.nextInt(4);
            dims[t] = new long[rank];
            dims[t][0] = types[t] == GgmlType.Q8_0 ? 32L * (1 + random.nextInt(4)) : 1 + random.nextInt(40);
            long n = dims[t][0];
            for (int r = 1; r < rank; r++) n *= dims[t][r] = 1 + random.nextInt(3);
            data[t] = new float[(int) n];
            final double scale = Math.pow(10, random.nextInt(7) - 4);
            for (int i = 0; i < n; i++) data[t][i] = random.nextInt(20) == 0 ? 0f : (float) (random.nextGaussian() * scale);
            w.add("t." + types[t], types[t], dims[t], data[t]);
        }
        final Path f = dir.resolve("r.gguf");
        w.write(f);
        final byte[] file = Files.readAllBytes(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(3, g.version(), "seed " + seed);
            assertEquals(seed, g.integer("seed"));
            for (int t = 0; t < types.length; t++) {
                final GgufTensor info = g.tensor("t." + types[t]);
                assertArrayEquals(dims[t], info.dims(), "seed " + seed);
                assertEquals(0, (info.offset() - g.dataOffset()) % g.alignment(), "seed " + seed + ": aligned");
                final float[] back = g.readFloats(info.name());
                if (types[t] == GgmlType.Q8_0) {
                    final byte[] expected = referenceQ8_0(data[t]);
                    final byte[] stored = Arrays.copyOfRange(file, (int) info.offset(), (int) (info.offset() + info.bytes()));
                    assertArrayEquals(expected, stored, "seed " + seed + ": Q8_0 bytes equal an independent re-quantization");
                    for (int b = 0; b < back.length / 32; b++) {
                        float amax = 0;
                        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(data[t][32 * b + j]));
                        // |x − f16(d)·q| ≤ d/2 (rounding of x/d) + 127·|d − f16(d)|, d = amax/127, where f16 rounds
                        // d by at most d·2^-11 (normal) or 2^-25 (half the subnormal spacing, d < 2^-14)
                        final double d = amax / 127.0;
                        final double bound = 0.5 * d + 127 * Math.max(d * 0x1p-11, 0x1p-25) + 1e-6 * d;
                        for (int j = 0; j < 32; j++) {
                            final int i = 32 * b + j;
                            assertTrue(Math.abs(back[i] - data[t][i]) <= bound, "seed " + seed + " element " + i + ": " + data[t][i] + " → " + back[i]);
                        }
                    }
                } else {
                    for (int i = 0; i < back.length; i++) {
                        final float expected = types[t] == GgmlType.F16 ? Half.f16ToFloat(Half.floatToF16(data[t][i]))
                                : types[t] == GgmlType.BF16 ? Half.bf16ToFloat(Half.floatToBf16(data[t][i])) : data[t][i];
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(back[i]), "seed " + seed + " " + types[t] + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void q8_0TiesRoundAwayFromZero() throws IOException {
        // amax = 127 → d = 1, id = 1: q = roundf(x); ±2.5 → ±3 and ±0.5 → ±1 (Math.round would give −2 and 0)
        final float[] x = new float[32];
        final float[] given = {127, 2.5f, -2.5f, 0.5f, -0.5f, 1.5f, -1.5f, 126.5f, -0.49999997f};
        System.arraycopy(given, 0, x, 0, given.length);
        final float[] expected = new float[32];
        final float[] rounded = {127, 3, -3, 1, -1, 2, -2, 127, -0f};
        System.arraycopy(rounded, 0, expected, 0, rounded.length);
        final Path f = dir.resolve("ties.gguf");
        new GgufWriter().add("x", GgmlType.Q8_0, new long[]{32}, x).add("zero", GgmlType.Q8_0, new long[]{32}, new float[32]).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            final float[] y = g.readFloats("x");
            for (int i = 0; i < 32; i++) assertEquals(Math.abs(expected[i]), Math.abs(y[i]), 0f, "element " + i);
            assertEquals(-3f, y[2]);
            assertArrayEquals(new float[32], g.readFloats("zero"), "an all-zero block has d = 0, id = 0, q = 0");
        }
    }

    @Test
    void putAllCopiesAFileByteForByte() throws IOException {
        final Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf");
        final GgufWriter w = GgufFileTest.sample(new SplittableRandom(3));
        w.alignment(64).write(a);
        try (GgufFile source = GgufFile.open(a)) {
            final GgufWriter copy = new GgufWriter().putAll(source);
            for (GgufTensor t : source.tensors()) {
                // Q8_0 re-quantized from its dequantized values gives the same blocks (d·q with |q| ≤ 127 maps back)
                copy.add(t.name(), t.type(), t.dims(), source.readFloats(t.name()));
            }
            copy.write(b);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void metadataMapInfersTypes() throws IOException {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "x");
        m.put("b", false);
        m.put("i", 7);
        m.put("l", 7L);
        m.put("f", 0.5f);
        m.put("d", 0.1);
        m.put("list", List.of("a", "b"));
        m.put("ints", List.of(1, 2));
        final Path f = dir.resolve("m.gguf");
        new GgufWriter().metadata(m).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(List.of("s", "b", "i", "l", "f", "d", "list", "ints"), List.copyOf(g.metadata().keySet()));
            assertEquals(GgufValueType.INT32, g.valueType("i"));
            assertEquals(GgufValueType.INT64, g.valueType("l"));
            assertEquals(GgufValueType.FLOAT32, g.valueType("f"));
            assertEquals(GgufValueType.FLOAT64, g.valueType("d"));
            assertEquals(GgufValueType.BOOL, g.valueType("b"));
            assertEquals(GgufValueType.STRING, g.array("list").elementType());
            assertEquals(GgufValueType.INT32, g.array("ints").elementType());
            assertEquals(0.1, g.real("d"));
            assertFalse(g.bool("b"));
        }
        assertMessage(() -> new GgufWriter().metadata(Map.of("e", List.of())), "GGUF key 'e': cannot infer the element type of an empty list");
        assertMessage(() -> new GgufWriter().metadata(Map.of("m", List.of(1, "x"))), "GGUF key 'm': element 1 is a String but element 0 is INT32");
        assertMessage(() -> new GgufWriter().metadata(Map.of("o", new Object())), "GGUF key 'o': cannot infer a GGUF type for a Object value");
    }

    @Test
    void rejectsBadInputNamingIt() {
        final GgufWriter w = new GgufWriter();
        assertMessage(() -> w.put("k", GgufValueType.UINT8, 300), "GGUF key 'k': value 300 is out of the range of UINT8 [0, 255]");
        assertMessage(() -> w.put("k", GgufValueType.INT16, 40000L), "out of the range of INT16");
        assertMessage(() -> w.put("k", GgufValueType.UINT32, "x"), "GGUF key 'k': a String value cannot be stored as UINT32");
        assertMessage(() -> w.put("k", GgufValueType.BOOL, 1), "a Integer value cannot be stored as BOOL");
        assertMessage(() -> w.putArray("k", GgufValueType.INT8, List.of(1, 200)), "GGUF key 'k'[1]: value 200 is out of the range of INT8");
        assertMessage(() -> w.put("", "x"), "invalid GGUF metadata key ''");
        assertMessage(() -> w.put("k", "\ud800"), "not encodable as UTF-8");
        assertMessage(() -> w.alignment(48), "'general.alignment' = 48 is not a power of two");
        assertMessage(() -> w.put("general.alignment", "32"), "'general.alignment' must be a UINT32");
        assertMessage(() -> w.add("x".repeat(64), GgmlType.F32, new long[]{1}, new float[1]), "has 64 UTF-8 bytes; llama.cpp reads at most 63");
        assertMessage(() -> w.add("w", GgmlType.Q4_K, new long[]{256}, new float[256]), "GGUF tensor 'w': type Q4_K is not supported for writing");
        assertMessage(() -> w.add("w", GgmlType.F32, new long[]{2, 3}, new float[5]), "dims [2, 3] have 6 elements but the data has 5");
        assertMessage(() -> w.add("w", GgmlType.F32, new long[]{2, 0}, new float[0]), "non-positive dim in [2, 0]");
        assertMessage(() -> w.add("w", GgmlType.F32, new long[]{1, 1, 1, 1, 1}, new float[1]), "5 dims");
        assertMessage(() -> w.add("w", GgmlType.Q8_0, new long[]{16, 2}, new float[32]), "ne0 = 16 is not a multiple of the Q8_0 block size 32");
        final float[] nan = new float[32];
        nan[3] = Float.NaN;
        assertMessage(() -> w.add("w", GgmlType.Q8_0, new long[]{32}, nan), "element 3 is NaN, Q8_0 needs finite values");
        w.add("w", GgmlType.F32, new long[]{1}, new float[1]);
        assertMessage(() -> w.add("w", GgmlType.F32, new long[]{1}, new float[1]), "GGUF tensor 'w' added twice");
    }

    @Test
    void aLaterPutReplacesTheValueInPlace() throws IOException {
        final Path f = dir.resolve("p.gguf");
        new GgufWriter().put("a", "1").put("b", "2").put("a", GgufValueType.UINT32, 3).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(List.of("a", "b"), List.copyOf(g.metadata().keySet()));
            assertEquals(3, g.integer("a"));
        }
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        final Path f = dir.resolve("x.gguf");
        new GgufWriter().put("v", "1").write(f);
        new GgufWriter().put("v", "2").write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals("2", g.string("v"));
            assertTrue(g.tensors().isEmpty());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the target file remains");
        }
    }
}
