package io.github.cospadi.io;

import io.github.cospadi.CompressedGroup;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.Quantization;
import io.github.cospadi.TestData;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Format version 4 (docs/format.md): the group table stores a shared dictionary once, members read back share one
 * dictionary (and one run-time Dᵀ), version 3 files still read, and a corrupt group table is rejected.
 */
class CompressedFormatGroupTest {
    @TempDir
    Path dir;

    /** Written by the version-3 writer (commit 9e23c09): one matrix "a", D (3 × 4) = (i − 5)/4, S as in {@link #v3Matrix}. */
    private static final String V3_F32 = "Q1NQRAMAAAABAAAAAQBhAAMAAAACAAAABAAAAAIAAAAAAKC/AACAvwAAQL8AAAC/AACAvgAAAAAAAIA+AAAAPwAAQD8AAIA/AACgPwAAwD8AAAIAAQADAAAAwD8AAAC/AAAAQAAAQD+mtqbreAAAAAAAAABEUFND";
    private static final String V3_INT8 = "Q1NQRAMAAwABAAAAAQBhAAMAAAACAAAABAAAAAIAAAAAAPC/AAAAwAAAwL4AAMC+AADAvgAAAAAAAAA+AADAPgAAkD8AAABAAAAgPwAAkD+lBAIBPAQCATx/gX9/8/2u7G0AAAAAAAAARFBTQw==";

    private static CompressedMatrix v3Matrix() {
        final FMatrixRMaj d = new FMatrixRMaj(3, 4);
        for (int i = 0; i < 12; i++) d.data[i] = (i - 5) * 0.25f;
        return new CompressedMatrix(d, new ColumnSparseMatrix(4, 2, 2, new int[]{0, 2, 1, 3}, new float[]{1.5f, -0.5f, 2f, 0.75f}), null);
    }

    @Test
    void version3FilesOfTheOldWriterStillRead() throws IOException {
        final CompressedMatrix want = v3Matrix();
        final Path f32 = dir.resolve("v3-f32.cspd"), int8 = dir.resolve("v3-int8.cspd");
        Files.write(f32, Base64.getDecoder().decode(V3_F32));
        Files.write(int8, Base64.getDecoder().decode(V3_INT8));
        final CompressedMatrix a = CompressedFormat.read(f32).get("a");
        assertArrayEquals(want.dictionaryView().data, a.dictionaryView().data);
        assertArrayEquals(want.codes().rowIndices(), a.codes().rowIndices());
        assertArrayEquals(want.codes().values(), a.codes().values());
        final CompressedMatrix q = CompressedFormat.read(int8).get("a"), wantQ = Quantization.int8Codes(want);
        assertArrayEquals(wantQ.dictionaryView().data, q.dictionaryView().data);
        assertArrayEquals(wantQ.codes().values(), q.codes().values());
        // and the version-4 writer's bytes of the same matrix, made version 3, read the same
        final Path v4 = dir.resolve("v4.cspd");
        CompressedFormat.write(v4, Map.of("a", want), CompressedFormat.Precision.F32);
        assertArrayEquals(Base64.getDecoder().decode(V3_F32), CompressedFormatTest.toVersion3(Files.readAllBytes(v4), "a"),
                "version 4 = version 3 plus the group count and the group field");
    }

    static LongStream seeds() {
        return LongStream.range(0, 4);
    }

    /** A model: three groups (Basis Sharing of 2, grouped CoSpaDi of 3, an OUTPUT group of 2) and one matrix alone. */
    private static Map<String, CompressedMatrix> model(long seed, List<CompressedGroup> groupsOut) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        int name = 0;
        for (Method method : new Method[]{Method.BASIS_SHARING, Method.COSPADI}) {
            final int d1 = 12 + random.nextInt(12), members = method == Method.COSPADI ? 3 : 2;
            final List<FMatrixRMaj> w = new ArrayList<>();
            final List<CalibrationStats> g = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                w.add(TestData.gaussian(8 + random.nextInt(20), d1, random));
                g.add(CalibrationStats.of(TestData.activations(3 * d1, d1, random)));
            }
            final CompressedGroup group = Compressor.builder().method(method).ratio(0.3).iterations(3).seed(seed).build().compressGroup(w, g);
            groupsOut.add(group);
            for (CompressedMatrix c : group.members()) m.put("layers." + name++ + ".proj", c);
        }
        // an OUTPUT group: two members of one outFeatures sharing D in the output space
        final int d1 = 10 + random.nextInt(10), d2 = 8 + random.nextInt(8);
        final List<FMatrixRMaj> w = List.of(TestData.gaussian(d2, d1, random), TestData.gaussian(d2, d1, random));
        final List<CalibrationStats> g = List.of(CalibrationStats.of(TestData.activations(3 * d1, d1, random)),
                CalibrationStats.of(TestData.activations(3 * d1, d1, random)));
        final CompressedGroup output = Compressor.builder().ratio(0.3).orientation(io.github.cospadi.common.Orientation.OUTPUT)
                .iterations(3).seed(seed).build().compressGroup(w, g);
        groupsOut.add(output);
        for (CompressedMatrix c : output.members()) m.put("layers." + name++ + ".proj", c);
        final FMatrixRMaj alone = TestData.gaussian(10, 14, random);
        m.put("layers.alone.proj", Compressor.builder().ratio(0.3).iterations(3).build().compress(alone));
        return m;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aGroupedModelRoundTripsWithEachSharedDictionaryStoredOnce(long seed) throws IOException {
        final List<CompressedGroup> groups = new ArrayList<>();
        final Map<String, CompressedMatrix> m = model(seed, groups);
        final Path f = dir.resolve("g.cspd"), copies = dir.resolve("c.cspd");
        CompressedFormat.write(f, m, CompressedFormat.Precision.F32);
        // the same matrices with a private copy of every dictionary: each group's dictionary stored m times
        final Map<String, CompressedMatrix> unshared = new LinkedHashMap<>();
        m.forEach((n, c) -> unshared.put(n, new CompressedMatrix(c.orientation(), c.dictionary(), c.codes(), null)));
        CompressedFormat.write(copies, unshared, CompressedFormat.Precision.F32);
        long saved = 0;
        for (CompressedGroup g : groups) saved += 4L * (g.size() - 1) * g.dictionaryView().data.length - 8; // minus d1, k of the table
        assertEquals(Files.size(copies) - saved, Files.size(f), "seed " + seed + ": each shared dictionary once");

        final Map<String, CompressedMatrix> read = CompressedFormat.read(f);
        assertEquals(m.keySet(), read.keySet());
        for (String n : m.keySet()) {
            assertArrayEquals(m.get(n).dictionaryView().data, read.get(n).dictionaryView().data, "seed " + seed + " " + n);
            assertArrayEquals(m.get(n).codes().rowIndices(), read.get(n).codes().rowIndices(), "seed " + seed + " " + n);
            assertArrayEquals(m.get(n).codes().values(), read.get(n).codes().values(), "seed " + seed + " " + n);
        }
        assertSame(read.get("layers.0.proj").dictionaryView(), read.get("layers.1.proj").dictionaryView(), "seed " + seed);
        assertSame(read.get("layers.2.proj").dictionaryView(), read.get("layers.4.proj").dictionaryView(), "seed " + seed);
        assertNotSame(read.get("layers.0.proj").dictionaryView(), read.get("layers.2.proj").dictionaryView(), "seed " + seed);
        final Map<String, LinearOperator> layers = CompressedFormat.readLayers(f);
        assertSame(read.get("layers.5.proj").dictionaryView(), read.get("layers.6.proj").dictionaryView(), "seed " + seed + ": OUTPUT group");
        assertEquals(io.github.cospadi.common.Orientation.OUTPUT, read.get("layers.5.proj").orientation());
        assertTrue(((io.github.cospadi.kernel.OutputCompressedLinear) layers.get("layers.5.proj"))
                .sharesDictionaryWith((io.github.cospadi.kernel.OutputCompressedLinear) layers.get("layers.6.proj")), "seed " + seed);
        final CompressedLinear l0 = (CompressedLinear) layers.get("layers.0.proj"), l1 = (CompressedLinear) layers.get("layers.1.proj");
        assertTrue(l0.sharesDictionaryWith(l1), "seed " + seed + ": one Dᵀ in memory");
        assertTrue(((CompressedLinear) layers.get("layers.2.proj")).sharesDictionaryWith((CompressedLinear) layers.get("layers.4.proj")));
        assertFalse(l0.sharesDictionaryWith((CompressedLinear) layers.get("layers.2.proj")));
        // exact layers: the reconstruction times x
        final SplittableRandom random = new SplittableRandom(seed + 100);
        for (String n : m.keySet()) {
            final FMatrixRMaj w = m.get(n).reconstruct();
            final float[] x = new float[w.numCols];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            final float[] y = layers.get(n).multiply(x, null, Parallelism.sequential());
            for (int j = 0; j < w.numRows; j++) {
                double want = 0;
                for (int p = 0; p < w.numCols; p++) want += (double) w.get(j, p) * x[p];
                assertEquals(want, y[j], 1e-4 * (1 + Math.abs(want)), "seed " + seed + " " + n + " row " + j);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void int8GroupsStoreOneBalancedDictionaryAndReadAsTheInMemoryLayers(long seed) throws IOException {
        final List<CompressedGroup> groups = new ArrayList<>();
        final Map<String, CompressedMatrix> m = model(seed, groups);
        final Path f = dir.resolve("i.cspd");
        CompressedFormat.write(f, m, CompressedFormat.Precision.INT8);
        final Map<String, CompressedMatrix> read = CompressedFormat.read(f);
        final Map<String, LinearOperator> layers = CompressedFormat.readLayers(f);
        final SplittableRandom random = new SplittableRandom(seed);
        int name = 0;
        for (CompressedGroup g : groups) {
            final CompressedGroup q = Quantization.int8Codes(g);
            final List<LinearOperator> inMemory = LinearOperator.group(g, CompressedLinear.CodePrecision.INT8);
            for (int i = 0; i < g.size(); i++, name++) {
                final String n = "layers." + name + ".proj";
                assertArrayEquals(q.dictionaryView().data, read.get(n).dictionaryView().data, "seed " + seed + " " + n);
                assertArrayEquals(q.member(i).codes().values(), read.get(n).codes().values(), "seed " + seed + " " + n);
                final float[] x = new float[g.member(i).inFeatures()];
                for (int p = 0; p < x.length; p++) x[p] = (float) random.nextGaussian();
                assertArrayEquals(inMemory.get(i).multiply(x, null, Parallelism.sequential()),
                        layers.get(n).multiply(x, null, Parallelism.sequential()), "seed " + seed + " " + n + ": bit for bit");
                if (layers.get(n) instanceof CompressedLinear) {
                    assertTrue(((CompressedLinear) layers.get(n)).sharesDictionaryWith((CompressedLinear) layers.get("layers." + (name - i) + ".proj")));
                } else {
                    assertTrue(((io.github.cospadi.kernel.OutputCompressedLinear) layers.get(n))
                            .sharesDictionaryWith((io.github.cospadi.kernel.OutputCompressedLinear) layers.get("layers." + (name - i) + ".proj")));
                }
            }
        }
    }

    @Test
    void aCorruptGroupTableIsRejectedWithAClearMessage() throws IOException {
        final List<CompressedGroup> groups = new ArrayList<>();
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        final Map<String, CompressedMatrix> all = model(1, groups);
        m.put("layers.0.proj", all.get("layers.0.proj"));
        m.put("layers.1.proj", all.get("layers.1.proj"));
        final Path f = dir.resolve("g.cspd");
        CompressedFormat.write(f, m, CompressedFormat.Precision.F32);
        final byte[] bytes = Files.readAllBytes(f);
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, b.getInt(12), "one group");
        final int d1 = b.getInt(16), k = b.getInt(20);
        final int firstEntry = 24 + 4 * d1 * k, groupField = firstEntry + 2 + "layers.0.proj".length() + 1;
        assertEquals(0, b.getInt(groupField), "the first member references group 0");

        final byte[] outOfRange = bytes.clone();
        ByteBuffer.wrap(outOfRange).order(ByteOrder.LITTLE_ENDIAN).putInt(groupField, 3);
        expect(outOfRange, "matrix 'layers.0.proj' references group 3 of a table of 1");
        final byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 1 << 30);
        expect(huge, "group table of 1073741824 dictionaries runs past the end");
        final byte[] wide = bytes.clone();
        ByteBuffer.wrap(wide).order(ByteOrder.LITTLE_ENDIAN).putInt(16, d1 * 1000);
        expect(wide, "group 0 (" + d1 * 1000 + "x" + k + " dictionary");
        final byte[] otherK = bytes.clone(); // a member whose k is not its group's
        ByteBuffer.wrap(otherK).order(ByteOrder.LITTLE_ENDIAN).putInt(groupField + 4 + 8, k + 1);
        expect(otherK, "matrix 'layers.0.proj' (inFeatures=" + d1 + ", k=" + (k + 1) + ") does not fit its group's " + d1 + "x" + k);
        final byte[] nan = bytes.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(24, Float.NaN);
        expect(nan, "group 0: dictionary has a non-finite entry");
        final int d2 = b.getInt(groupField + 8), s = b.getInt(groupField + 16);
        final int second = groupField + 4 + 16 + d2 * s * 6; // F32 codes: u16 row + f32 value per entry
        final byte[] orientation = bytes.clone();
        orientation[second + 2 + "layers.1.proj".length()] = 1;
        expect(orientation, "matrix 'layers.1.proj' references group 0 but is OUTPUT, its other members INPUT");
        // both members made private (group field −1) leave the group unreferenced (and the bytes no longer parse as
        // their own dictionaries): either way the file is rejected
        final byte[] orphan = bytes.clone();
        ByteBuffer.wrap(orphan).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 2);
        expect(orphan, "corrupt cospadi file");
    }

    @Test
    void theWriterRefusesMatricesThatShareADictionaryButCannot() {
        final SplittableRandom random = new SplittableRandom(5);
        final FMatrixRMaj d = TestData.gaussian(6, 4, random);
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        m.put("a", new CompressedMatrix(d, ColumnSparseMatrix.random(4, 5, 2, random), null));
        m.put("b", new CompressedMatrix(d, ColumnSparseMatrix.random(4, 5, 3, random), null));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressedFormat.write(dir.resolve("x.cspd"), m, CompressedFormat.Precision.F32));
        assertTrue(e.getMessage().contains("'b' has s=3"), e.getMessage());
    }

    private void expect(byte[] content, String fragment) throws IOException {
        final Path bad = dir.resolve("bad" + System.nanoTime() + ".cspd");
        Files.write(bad, CompressedFormatTest.resealed(content));
        final IOException e = assertThrows(IOException.class, () -> CompressedFormat.read(bad));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
