package io.github.cospadi.io;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.TestData;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Truncated and corrupted {@code .cspd} files (docs/format.md), for every layout, format versions 3 and 4, a group
 * table and OUTPUT matrices: each fails with an IOException whose message starts with the file's path — never another
 * exception, an OutOfMemoryError, a hang or a silently different matrix. Two kinds of damage: as it happens (cut at
 * every length, random bytes flipped: the trailer's length and CRC-32C must catch it), and <i>resealed</i> (the
 * trailer recomputed for the damaged bytes, so that only the structural checks of the parser stand between the
 * damage and the caller: the file then reads, as some other valid file, or fails cleanly).
 */
class CompressedFormatCorruptionTest {
    private static final int TRAILER = 16;

    @TempDir
    Path dir;

    /** The fixtures: a name and a seed; {@link #fixture} builds the bytes. */
    static Stream<Arguments> fixtures() {
        final Stream.Builder<Arguments> out = Stream.builder();
        for (String kind : new String[]{"single-f32", "several-bf16", "several-compact", "group-f32", "group-int8", "single-int8", "version3-f32"}) {
            for (long seed = 0; seed < 2; seed++) out.add(Arguments.of(kind, seed)); // two sets of shapes
        }
        return out.build();
    }

    private static CompressedMatrix matrix(Orientation o, FMatrixRMaj d, int d2, int s, SplittableRandom random) {
        return new CompressedMatrix(o, d, ColumnSparseMatrix.random(d.numCols, d2, s, random), null);
    }

    /** A valid file of the given kind: a few small matrices, 0.3 to 2 KB. */
    byte[] fixture(String kind, long seed) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed * 1009 + kind.hashCode());
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        final int d1 = 4 + random.nextInt(5), k = 3 + random.nextInt(3), s = 1 + random.nextInt(k - 1);
        final CompressedFormat.Precision precision;
        switch (kind) {
            case "single-f32":
            case "version3-f32":
                m.put("layers.0.proj", matrix(Orientation.INPUT, TestData.gaussian(d1, k, random), 5 + random.nextInt(4), s, random));
                precision = CompressedFormat.Precision.F32;
                break;
            case "single-int8":
                m.put("w", matrix(Orientation.OUTPUT, TestData.gaussian(d1, k, random), 5 + random.nextInt(4), s, random));
                precision = CompressedFormat.Precision.INT8;
                break;
            case "several-bf16":
            case "several-compact":
                for (int i = 0; i < 3; i++) {
                    m.put("layers." + i + ".proj", matrix(i == 1 ? Orientation.OUTPUT : Orientation.INPUT, TestData.gaussian(d1 + i, k, random),
                            5 + random.nextInt(4), s, random));
                }
                precision = kind.endsWith("bf16") ? CompressedFormat.Precision.BF16 : CompressedFormat.Precision.COMPACT;
                break;
            case "group-f32":
            case "group-int8": {
                final Orientation o = kind.endsWith("int8") ? Orientation.OUTPUT : Orientation.INPUT;
                final FMatrixRMaj shared = TestData.gaussian(d1, k, random);
                m.put("layers.0.a", matrix(o, shared, 5 + random.nextInt(4), s, random));
                m.put("layers.0.alone", matrix(Orientation.INPUT, TestData.gaussian(d1 + 1, k, random), 6, s, random));
                m.put("layers.0.b", matrix(o, shared, 5 + random.nextInt(4), s, random));
                precision = kind.endsWith("int8") ? CompressedFormat.Precision.INT8 : CompressedFormat.Precision.F32;
                break;
            }
            default:
                throw new IllegalArgumentException(kind);
        }
        final Path f = dir.resolve("valid-" + kind + "-" + seed + ".cspd");
        CompressedFormat.write(f, m, precision);
        final byte[] bytes = Files.readAllBytes(f);
        final byte[] out = kind.startsWith("version3") ? CompressedFormatTest.toVersion3(bytes, "layers.0.proj") : bytes;
        assertEquals(m.keySet(), CompressedFormat.read(write(out)).keySet(), kind + " seed " + seed + ": the fixture reads");
        return out;
    }

    private Path write(byte[] bytes) throws IOException {
        final Path f = dir.resolve("damaged.cspd");
        Files.write(f, bytes);
        return f;
    }

    /** Reads the file fully (matrices and every kind of run-time layer); returns null or the IOException it threw. */
    private static IOException readAll(Path f) {
        try {
            CompressedFormat.read(f);
            CompressedFormat.readLayers(f);
            CompressedFormat.readLayers(f, CompressedLinear.CodePrecision.F32);
            CompressedFormat.readLayers(f, CompressedLinear.CodePrecision.INT8);
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /**
     * Reads the damaged file: it must fail (or, when {@code mayRead}, may read) with an IOException whose message starts
     * with the path; any other throwable fails the test naming {@code what} (the fixture, seed and damage).
     */
    private static void check(Path f, String what, boolean mayRead) {
        final IOException e;
        try {
            e = readAll(f);
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t, t);
        }
        if (e == null) {
            assertTrue(mayRead, what + ": read without an exception");
            return;
        }
        assertTrue(e.getMessage().startsWith(f + ": "), what + ": the message names the file: " + e.getMessage());
    }

    /** Runs the cases of one fixture with a deadline: a hang fails instead of stalling the build. */
    private static void within(String what, org.junit.jupiter.api.function.Executable cases) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), cases, what + ": a read hangs");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void aFileCutAtAnyLengthIsRefused(String kind, long seed) throws IOException {
        final byte[] bytes = fixture(kind, seed);
        within(kind + " seed " + seed, () -> {
            for (int length = 0; length < bytes.length; length++) {
                check(write(Arrays.copyOf(bytes, length)), kind + " seed " + seed + " cut at " + length + " of " + bytes.length, false);
            }
        });
    }

    /** The data cut at every length with a trailer that fits the cut: the parser's own bounds checks must hold. */
    @ParameterizedTest
    @MethodSource("fixtures")
    void aResealedCutAtAnyLengthIsRefused(String kind, long seed) throws IOException {
        final byte[] bytes = fixture(kind, seed);
        final int data = bytes.length - TRAILER;
        within(kind + " seed " + seed, () -> {
            for (int length = 0; length < data; length++) {
                final byte[] cut = Arrays.copyOf(bytes, length + TRAILER);
                System.arraycopy(bytes, data, cut, length, TRAILER);
                ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putLong(length + 4, cut.length);
                check(write(CompressedFormatTest.resealed(cut)), kind + " seed " + seed + " data cut at " + length + " of " + data + " (resealed)", false);
            }
        });
    }

    /**
     * Flipped bytes are caught by the checksum (or the trailer). Resealed — the checksum recomputed — only the parser's
     * checks remain: the file reads (the flip hit a value, or made another valid file) or fails naming the file.
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void flippedBytesAreCaughtAndResealedOnesReadOrFailCleanly(String kind, long seed) throws IOException {
        final byte[] bytes = fixture(kind, seed);
        final SplittableRandom random = new SplittableRandom(seed * 7 + 1);
        within(kind + " seed " + seed, () -> {
            for (int round = 0; round < 200; round++) {
                final String what = kind + " seed " + seed + " flip round " + round;
                check(write(flip(bytes, random, bytes.length)), what, false);
                check(write(CompressedFormatTest.resealed(flip(bytes, random, bytes.length - TRAILER))), what + " (resealed)", true);
            }
        });
    }

    /** One to three bytes below {@code limit} changed: a bit flipped, set to 0xff or to 0 (counts and lengths). */
    private static byte[] flip(byte[] bytes, SplittableRandom random, int limit) {
        final byte[] bad = bytes.clone();
        final int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            final int at = random.nextInt(limit);
            final int how = random.nextInt(4);
            final byte was = bad[at];
            bad[at] = how == 0 ? (byte) 0xff : how == 1 ? 0 : (byte) (bad[at] ^ (1 << random.nextInt(8)));
            if (bad[at] == was) bad[at] ^= 1;
        }
        return Arrays.equals(bad, bytes) ? flip(bytes, random, limit) : bad; // two flips of one byte may undo each other
    }
    /**
     * A version-4 F32 file written by hand: one group table entry (d1 × k, all ones) and INPUT members named a, b, …
     * with {@code columns[i]} coded columns of {@code s[i]} entries (rows 0..s−1, value 1).
     */
    private static byte[] groupFile(int d1, int k, int[] columns, int[] s) {
        final ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put("CSPD".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 4).putShort((short) 0).putInt(columns.length).putInt(1);
        b.putInt(d1).putInt(k);
        for (int i = 0; i < d1 * k; i++) b.putFloat(1f);
        for (int m = 0; m < columns.length; m++) {
            b.putShort((short) 1).put((byte) ('a' + m)).put((byte) 0).putInt(0);
            b.putInt(d1).putInt(columns[m]).putInt(k).putInt(s[m]);
            for (int j = 0; j < columns[m]; j++) for (int t = 0; t < s[m]; t++) b.putShort((short) t);
            for (int j = 0; j < columns[m] * s[m]; j++) b.putFloat(1f);
        }
        final int data = b.position();
        b.putInt(0).putLong(data + 16).put("DPSC".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return CompressedFormatTest.resealed(Arrays.copyOf(b.array(), b.position()));
    }

    /** Groups that no writer makes and that the run-time layers could not be built from are refused by read itself. */
    @org.junit.jupiter.api.Test
    void groupsWhoseMembersDifferInSOrCodeFewerColumnsThanAtomsAreRefused() throws IOException {
        final Path ok = write(groupFile(3, 2, new int[]{2, 3}, new int[]{1, 1}));
        assertNull(readAll(ok), "the hand-written group file reads");
        final Path s = write(groupFile(3, 2, new int[]{2, 3}, new int[]{1, 2}));
        IOException e = assertThrows(IOException.class, () -> CompressedFormat.read(s));
        assertTrue(e.getMessage().contains("matrix 'b' references group 0 but has s=2, its other members s=1 (entry #1 at byte "), e.getMessage());
        final Path wide = write(groupFile(3, 4, new int[]{1, 2}, new int[]{1, 1}));
        e = assertThrows(IOException.class, () -> CompressedFormat.read(wide));
        assertTrue(e.getMessage().contains("group 0 has k=4 atoms but its members code only 3 columns"), e.getMessage());
        // and the writer does not make one
        final SplittableRandom random = new SplittableRandom(2);
        final FMatrixRMaj d = TestData.gaussian(6, 4, random);
        final Map<String, CompressedMatrix> m = new LinkedHashMap<>();
        m.put("a", new CompressedMatrix(d, ColumnSparseMatrix.random(4, 1, 2, random), null));
        m.put("b", new CompressedMatrix(d, ColumnSparseMatrix.random(4, 2, 2, random), null));
        TestData.assertMessage(() -> CompressedFormat.write(dir.resolve("x.cspd"), m, CompressedFormat.Precision.F32),
                "matrices [a, b] share a dictionary of k=4 atoms but code only 3 columns together");
    }

    /** Shapes whose byte counts overflow a long, a name that is not UTF-8: named, with the entry and its offset. */
    @org.junit.jupiter.api.Test
    void hugeShapesAndBadNamesAreNamedWithTheirOffset() throws IOException {
        final byte[] good = groupFile(3, 2, new int[]{2, 3}, new int[]{1, 1});
        final int first = 4 + 2 + 2 + 4 + 4 + 8 + 4 * 6; // the first entry
        final byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(first + 4, -1); // own dictionary
        for (int field = 0; field < 4; field++) ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(first + 8 + 4 * field, Integer.MAX_VALUE);
        Path f = write(CompressedFormatTest.resealed(huge));
        IOException e = assertThrows(IOException.class, () -> CompressedFormat.read(f));
        assertTrue(e.getMessage().contains(": corrupt cospadi file: matrix 'a' (" + Integer.MAX_VALUE + "x" + Integer.MAX_VALUE
                + " dictionary, " + Integer.MAX_VALUE + " columns of s=" + Integer.MAX_VALUE + ") needs more than 2^63 bytes at byte " + (first + 24)), e.getMessage());
        assertTrue(e.getMessage().endsWith("(entry #0 at byte " + first + ")"), e.getMessage());
        final byte[] name = good.clone();
        name[first + 2] = (byte) 0xc3; // a lone UTF-8 lead byte
        final Path g = write(CompressedFormatTest.resealed(name));
        e = assertThrows(IOException.class, () -> CompressedFormat.read(g));
        assertTrue(e.getMessage().contains("entry #0 at byte " + first + ": the name (1 bytes) is not valid UTF-8"), e.getMessage());
        final byte[] cut = Arrays.copyOf(good, first + 10 + 16);
        System.arraycopy(good, good.length - 16, cut, first + 10, 16);
        ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putLong(first + 14, cut.length);
        final Path h = write(CompressedFormatTest.resealed(cut));
        e = assertThrows(IOException.class, () -> CompressedFormat.read(h));
        assertTrue(e.getMessage().contains("entry #0 at byte " + first + ": its header (name, shapes) at byte " + (first + 2) + " needs 22 bytes, 8 are left before the trailer"), e.getMessage());
    }
}
