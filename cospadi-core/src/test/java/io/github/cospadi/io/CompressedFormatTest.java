package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.TestData;
import io.github.cospadi.Quantization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class CompressedFormatTest {
    @TempDir
    Path dir;

    private Map<String, CompressedMatrix> model() {
        final SplittableRandom random = new SplittableRandom(3);
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            m.put("layers." + i + ".proj", Compressor.builder().ratio(0.3).iterations(3).build().compress(TestData.gaussian(20 + i, 16, random)));
        }
        return m;
    }

    @Test
    void roundTripsExactlyInF32AndToBf16InBf16() throws IOException {
        final Map<String, CompressedMatrix> m = model();
        final Path f32 = dir.resolve("m.cspd"), bf16 = dir.resolve("m16.cspd");
        CompressedFormat.write(f32, m, CompressedFormat.Precision.F32);
        CompressedFormat.write(bf16, m, CompressedFormat.Precision.BF16);
        final Map<String, CompressedMatrix> a = CompressedFormat.read(f32), b = CompressedFormat.read(bf16);
        assertEquals(m.keySet(), a.keySet());
        for (String name : m.keySet()) {
            assertArrayEquals(m.get(name).dictionaryView().data, a.get(name).dictionaryView().data, name);
            assertArrayEquals(m.get(name).codes().rowIndices(), a.get(name).codes().rowIndices(), name);
            assertArrayEquals(m.get(name).codes().values(), a.get(name).codes().values(), name);
            final float[] want = m.get(name).dictionaryView().data, got = b.get(name).dictionaryView().data;
            for (int i = 0; i < want.length; i++) assertEquals(Half.bf16ToFloat(Half.floatToBf16(want[i])), got[i], 0f, name);
        }
        assertTrue(Files.size(bf16) < Files.size(f32));
    }

    /** The compact and int8 layouts store exactly what Quantization measures; the bitmask carries the support. */
    @Test
    void compactAndInt8LayoutsRoundTripToTheirQuantizedForms() throws IOException {
        final Map<String, CompressedMatrix> m = model();
        final Path compact = dir.resolve("c.cspd"), int8 = dir.resolve("i.cspd"), f32 = dir.resolve("f.cspd");
        CompressedFormat.write(compact, m, CompressedFormat.Precision.COMPACT);
        CompressedFormat.write(int8, m, CompressedFormat.Precision.INT8);
        CompressedFormat.write(f32, m, CompressedFormat.Precision.F32);
        final Map<String, CompressedMatrix> a = CompressedFormat.read(compact), b = CompressedFormat.read(int8);
        long expectedCompact = 0;
        for (String name : m.keySet()) {
            final CompressedMatrix want14 = Quantization.paperCompact(m.get(name), 14), want8 = Quantization.int8Codes(m.get(name));
            assertArrayEquals(want14.dictionaryView().data, a.get(name).dictionaryView().data, name);
            assertArrayEquals(m.get(name).codes().rowIndices(), a.get(name).codes().rowIndices(), name);
            assertArrayEquals(want14.codes().values(), a.get(name).codes().values(), name);
            assertArrayEquals(want8.dictionaryView().data, b.get(name).dictionaryView().data, name);
            assertArrayEquals(m.get(name).codes().rowIndices(), b.get(name).codes().rowIndices(), name);
            assertArrayEquals(want8.codes().values(), b.get(name).codes().values(), name);
            expectedCompact += Quantization.compactBytes(m.get(name), 14) + 2 + name.length() + 1 + 4 + 16;
        }
        assertEquals(expectedCompact + 12 + 4 + 16, Files.size(compact), "compact layout size = Quantization.compactBytes + headers");
        // the int8 layers read from an INT8 file compute, bit for bit, what the layers built from the factors compute
        final SplittableRandom random = new SplittableRandom(9);
        final Map<String, io.github.cospadi.kernel.LinearOperator> layers = CompressedFormat.readLayers(int8);
        assertEquals(m.keySet(), layers.keySet());
        for (String name : m.keySet()) {
            final io.github.cospadi.kernel.CompressedLinear fromMemory = io.github.cospadi.kernel.CompressedLinear.of(m.get(name),
                    io.github.cospadi.kernel.CompressedLinear.CodePrecision.INT8);
            final io.github.cospadi.kernel.CompressedLinear fromFile = (io.github.cospadi.kernel.CompressedLinear) layers.get(name);
            assertEquals(io.github.cospadi.kernel.CompressedLinear.CodePrecision.INT8, fromFile.codePrecision());
            final float[] x = new float[fromMemory.inFeatures()];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            assertArrayEquals(fromMemory.multiply(x, null, io.github.cospadi.common.Parallelism.sequential()),
                    fromFile.multiply(x, null, io.github.cospadi.common.Parallelism.sequential()), name);
        }
        assertEquals(io.github.cospadi.kernel.CompressedLinear.CodePrecision.F32,
                ((io.github.cospadi.kernel.CompressedLinear) CompressedFormat.readLayers(f32).get("layers.0.proj")).codePrecision());
        // with a requested precision: an INT8 file's int8 layers are its stored bytes, F32 asks for float codes of what
        // it stores, and a float file is quantized on request
        final io.github.cospadi.kernel.CompressedLinear.CodePrecision INT8 = io.github.cospadi.kernel.CompressedLinear.CodePrecision.INT8,
                F32 = io.github.cospadi.kernel.CompressedLinear.CodePrecision.F32;
        for (String name : m.keySet()) {
            final float[] x = new float[m.get(name).inFeatures()];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            final io.github.cospadi.common.Parallelism seq = io.github.cospadi.common.Parallelism.sequential();
            assertArrayEquals(layers.get(name).multiply(x, null, seq), CompressedFormat.readLayers(int8, INT8).get(name).multiply(x, null, seq), name);
            assertArrayEquals(io.github.cospadi.kernel.LinearOperator.of(b.get(name), F32).multiply(x, null, seq),
                    CompressedFormat.readLayers(int8, F32).get(name).multiply(x, null, seq), name);
            assertEquals(INT8, ((io.github.cospadi.kernel.CompressedLinear) CompressedFormat.readLayers(f32, INT8).get(name)).codePrecision(), name);
        }
        assertTrue(Files.size(int8) < Files.size(f32));
    }

    @Test
    void readsVersion1And2FilesAndRejectsNonFiniteValuesAndAMaskWithTheWrongSupportSize() throws IOException {
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        m.put("layers.0.proj", model().get("layers.0.proj"));
        final Path f = dir.resolve("m.cspd");
        CompressedFormat.write(f, m, CompressedFormat.Precision.F32);
        final byte[] v3 = toVersion3(Files.readAllBytes(f), "layers.0.proj");
        final int shapes = 12 + 2 + "layers.0.proj".length(); // the orientation byte of version 3, then the shapes
        assertEquals(0, v3[shapes], "INPUT is orientation 0");
        // versions 1 and 2: the same entry without the orientation byte (every matrix INPUT), the same F32 body
        final byte[] v2 = new byte[v3.length - 1];
        System.arraycopy(v3, 0, v2, 0, shapes);
        System.arraycopy(v3, shapes + 1, v2, shapes, v3.length - shapes - 1);
        java.nio.ByteBuffer.wrap(v2).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 2).putLong(v2.length - 12, v2.length);
        for (int version = 1; version <= 2; version++) {
            final byte[] old = v2.clone();
            old[4] = (byte) version;
            final Path p = dir.resolve("v" + version + ".cspd");
            Files.write(p, resealed(old));
            final CompressedMatrix read = CompressedFormat.read(p).get("layers.0.proj");
            assertEquals(io.github.cospadi.common.Orientation.INPUT, read.orientation(), "version " + version);
            assertArrayEquals(m.get("layers.0.proj").codes().values(), read.codes().values(), "version " + version);
        }
        final byte[] layout = v2.clone();
        layout[4] = 1;
        layout[6] = 3; // int8 layout did not exist in version 1
        expect(resealed(layout), "unknown layout 3 for version 1");
        final byte[] orientation = v3.clone();
        orientation[shapes] = 2;
        expect(resealed(orientation), "unknown orientation 2");
        final byte[] future = v3.clone();
        future[4] = 5;
        expect(resealed(future), "version 5 is not supported");

        final byte[] nan = v3.clone();
        java.nio.ByteBuffer.wrap(nan).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(shapes + 1 + 16, Float.NaN);
        expect(resealed(nan), "dictionary has a non-finite entry NaN at (0, 0)");

        CompressedFormat.write(f, m, CompressedFormat.Precision.INT8);
        final byte[] bytes = Files.readAllBytes(f);
        final int maskStart = 4 + shapes + 1 + 4 + 16 + 4 * 16 * m.get("layers.0.proj").atoms(); // version 4: group count, group field
        final byte[] extraBit = bytes.clone();
        extraBit[maskStart] ^= (byte) (firstClearBit(bytes[maskStart]));
        expect(resealed(extraBit), "bits set in the support mask, expected s=");
    }

    /**
     * OUTPUT-orientation matrices keep their orientation through every layout: F32 exactly, COMPACT and INT8 as their
     * quantized forms, and the int8 layers read from an INT8 file compute bit for bit what the in-memory layers do.
     */
    @Test
    void outputOrientationRoundTripsInEveryLayout() throws IOException {
        final SplittableRandom random = new SplittableRandom(4);
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            final org.ejml.data.FMatrixRMaj w = TestData.gaussian(9 + i, 30, random);
            final io.github.cospadi.calibration.CalibrationStats stats =
                    io.github.cospadi.calibration.CalibrationStats.of(TestData.activations(70, 30, random));
            m.put("layers." + i + ".down", Compressor.builder().ratio(0.3).iterations(3)
                    .orientation(io.github.cospadi.common.Orientation.OUTPUT).build().compress(w, stats));
        }
        m.put("layers.2.up", model().get("layers.0.proj")); // INPUT beside them
        for (CompressedFormat.Precision p : CompressedFormat.Precision.values()) {
            final Path f = dir.resolve(p + ".cspd");
            CompressedFormat.write(f, m, p);
            final Map<String, CompressedMatrix> read = CompressedFormat.read(f);
            final Map<String, io.github.cospadi.kernel.LinearOperator> layers = CompressedFormat.readLayers(f);
            for (String name : m.keySet()) {
                final CompressedMatrix want = p == CompressedFormat.Precision.COMPACT ? Quantization.paperCompact(m.get(name), 14)
                        : p == CompressedFormat.Precision.INT8 ? Quantization.int8Codes(m.get(name)) : m.get(name);
                final CompressedMatrix got = read.get(name);
                assertEquals(m.get(name).orientation(), got.orientation(), p + " " + name);
                assertEquals(m.get(name).inFeatures(), got.inFeatures(), p + " " + name);
                assertEquals(m.get(name).outFeatures(), got.outFeatures(), p + " " + name);
                if (p != CompressedFormat.Precision.BF16) {
                    assertArrayEquals(want.dictionaryView().data, got.dictionaryView().data, p + " " + name);
                    assertArrayEquals(want.codes().values(), got.codes().values(), p + " " + name);
                }
                assertArrayEquals(m.get(name).codes().rowIndices(), got.codes().rowIndices(), p + " " + name);
                final io.github.cospadi.kernel.LinearOperator fromMemory = io.github.cospadi.kernel.LinearOperator.of(
                        p == CompressedFormat.Precision.INT8 ? m.get(name) : got,
                        p == CompressedFormat.Precision.INT8 ? io.github.cospadi.kernel.CompressedLinear.CodePrecision.INT8
                                : io.github.cospadi.kernel.CompressedLinear.CodePrecision.F32);
                final float[] x = new float[fromMemory.inFeatures()];
                for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                assertArrayEquals(fromMemory.multiply(x, null, io.github.cospadi.common.Parallelism.sequential()),
                        layers.get(name).multiply(x, null, io.github.cospadi.common.Parallelism.sequential()), p + " " + name);
            }
        }
    }

    /**
     * A version-4 file of one matrix with its own dictionary made version 3: drop the group count (u32 after the
     * matrix count) and the matrix's group field (u32 after its orientation byte).
     */
    static byte[] toVersion3(byte[] v4, String name) {
        final int groupField = 12 + 4 + 2 + name.length() + 1;
        final byte[] v3 = new byte[v4.length - 8];
        System.arraycopy(v4, 0, v3, 0, 12);
        System.arraycopy(v4, 16, v3, 12, groupField - 16);
        System.arraycopy(v4, groupField + 4, v3, groupField - 4, v4.length - groupField - 4);
        java.nio.ByteBuffer.wrap(v3).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 3).putLong(v3.length - 12, v3.length);
        return resealed(v3);
    }

    private static int firstClearBit(byte b) {
        for (int i = 0; i < 8; i++) if ((b >>> i & 1) == 0) return 1 << i;
        return 1; // all set: clearing bit 0 also breaks the count
    }

    /** The file with its checksum recomputed, so that only the later checks can catch the change. */
    static byte[] resealed(byte[] bytes) {
        final int end = bytes.length - 16;
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, end);
        final byte[] out = bytes.clone();
        java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(end, (int) crc.getValue());
        return out;
    }

    @Test
    void rejectsTruncatedAndCorruptedFiles() throws IOException {
        final Path f = dir.resolve("m.cspd");
        CompressedFormat.write(f, model(), CompressedFormat.Precision.F32);
        final byte[] bytes = Files.readAllBytes(f);
        expect(Arrays.copyOf(bytes, bytes.length - 1), "closing magic is missing");
        expect(Arrays.copyOf(bytes, 10), "truncated cospadi file");
        final byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x10;
        expect(flipped, "checksum");
        final byte[] magic = bytes.clone();
        magic[0] = 'X';
        expect(magic, "not a cospadi file");
        final byte[] cut = new byte[bytes.length - 8]; // drop 8 bytes of data, keep a valid-looking trailer
        System.arraycopy(bytes, 0, cut, 0, 100);
        System.arraycopy(bytes, 108, cut, 100, cut.length - 100);
        expect(cut, "trailer declares");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    private void expect(byte[] content, String fragment) throws IOException {
        final Path bad = dir.resolve("bad" + System.nanoTime() + ".cspd");
        Files.write(bad, content);
        final IOException e = assertThrows(IOException.class, () -> CompressedFormat.read(bad));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
