package io.github.cospadi.io;

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
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tensor files cospadi reads (safetensors, GGUF) cut at every length, and safetensors headers with flipped bytes:
 * an IOException whose message starts with the file's path, or (for a cut that only drops GGUF padding, or a flip that
 * leaves a consistent header) a file that reads — never another exception, an OutOfMemoryError or a hang.
 */
class TruncatedTensorFilesTest {
    @TempDir
    Path dir;

    private Path write(byte[] bytes, String suffix) throws IOException {
        final Path f = dir.resolve("damaged" + suffix);
        Files.write(f, bytes);
        return f;
    }

    /** Tensors of four dtypes and ranks 0 to 3, and metadata: about 600 bytes. */
    private byte[] safetensors(long seed) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] a = new float[12], b = new float[5], c = new float[8];
        for (float[] x : new float[][]{a, b, c}) for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        final Path f = dir.resolve("valid-" + seed + ".safetensors");
        new SafeTensorsWriter().metadata("format", "pt")
                .add("model.layers.0.w", DType.F32, new long[]{3, 4}, a)
                .add("bias", DType.BF16, new long[]{5}, b)
                .add("scale", DType.F16, new long[]{}, new float[]{1.5f})
                .add("cube", DType.F64, new long[]{2, 2, 2}, c)
                .write(f);
        return Files.readAllBytes(f);
    }

    /** Opens the file and reads every tensor in every form; returns null or the IOException. */
    private static IOException readSafetensors(Path f) {
        try (SafeTensors s = SafeTensors.open(f)) {
            for (String name : s.names()) {
                s.readFloatArray(name);
                s.readDoubleArray(name);
                if (s.info(name).shape().length == 2) s.readFloat(name);
            }
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    private static void check(Path f, IOException e, boolean mayRead, String what) {
        if (e == null) {
            assertTrue(mayRead, what + ": read without an exception");
            return;
        }
        assertTrue(e.getMessage().startsWith(f + ": "), what + ": the message names the file: " + e.getMessage());
    }

    static LongStream seeds() {
        return LongStream.range(0, 3);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aSafetensorsFileCutAtAnyLengthIsRefused(long seed) throws IOException {
        final byte[] bytes = safetensors(seed);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int length = 0; length < bytes.length; length++) {
                final Path f = write(Arrays.copyOf(bytes, length), ".safetensors");
                final String what = "seed " + seed + " cut at " + length + " of " + bytes.length;
                try {
                    check(f, readSafetensors(f), false, what);
                } catch (RuntimeException e) {
                    throw new AssertionError(what + ": " + e, e);
                }
            }
        });
    }

    /** Flipped header bytes: broken JSON, other numbers, other dtypes; the data bytes are not checked (no checksum). */
    @ParameterizedTest
    @MethodSource("seeds")
    void flippedSafetensorsHeadersReadOrFailCleanly(long seed) throws IOException {
        final byte[] bytes = safetensors(seed);
        final int headerEnd = 8 + (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        final SplittableRandom random = new SplittableRandom(seed * 31 + 3);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 250; round++) {
                final byte[] bad = bytes.clone();
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    final int at = random.nextInt(headerEnd);
                    bad[at] = at >= 8 && random.nextBoolean() ? (byte) "0123456789[],:{}\"e-".charAt(random.nextInt(19)) : (byte) random.nextInt(256);
                }
                final Path f = write(bad, ".safetensors");
                final String what = "seed " + seed + " header flip round " + round;
                try {
                    check(f, readSafetensors(f), true, what);
                } catch (RuntimeException e) {
                    throw new AssertionError(what + ": " + e, e);
                }
            }
        });
    }

    /** Shapes whose byte count overflows a long, and matrices whose dimensions overflow an int. */
    @Test
    void safetensorsShapesBeyondLongsAndIntsAreNamed() throws IOException {
        final long huge = 1L << 62;
        Path f = write(withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + huge + ",1],\"data_offsets\":[0,0]}}", 0), ".safetensors");
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(f).close());
        assertTrue(e.getMessage().startsWith(f + ": corrupt safetensors header: tensor 'w' has shape [" + huge + ", 1] of F32 whose byte size overflows"),
                e.getMessage());
        final Path g = write(withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967297,0],\"data_offsets\":[0,0]}}", 0), ".safetensors");
        try (SafeTensors s = SafeTensors.open(g)) {
            final IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> s.readFloat("w"));
            assertTrue(x.getMessage().contains("tensor 'w' has shape [4294967297, 0], too large for a matrix"), x.getMessage());
        }
    }

    private static byte[] withHeader(String json, int dataBytes) {
        final byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    /** Every cut of a GGUF file before the end of its last tensor is refused; a cut of trailing padding reads. */
    @Test
    void aGgufFileCutAtAnyLengthIsRefused() throws IOException {
        final Path good = dir.resolve("valid.gguf");
        GgufFileTest.sample(new SplittableRandom(5)).write(good);
        final byte[] bytes = Files.readAllBytes(good);
        final long dataEnd;
        try (GgufFile g = GgufFile.open(good)) {
            dataEnd = g.tensors().stream().mapToLong(t -> t.offset() + t.bytes()).max().orElseThrow();
        }
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int length = 0; length < bytes.length; length++) {
                final Path f = write(Arrays.copyOf(bytes, length), ".gguf");
                final String what = "cut at " + length + " of " + bytes.length + " (tensors end at " + dataEnd + ")";
                IOException e = null;
                try (GgufFile g = GgufFile.open(f)) {
                    for (GgufTensor t : g.tensors()) assertEquals(t.elements(), g.readFloats(t.name()).length, what);
                } catch (IOException x) {
                    e = x;
                } catch (RuntimeException x) {
                    throw new AssertionError(what + ": " + x, x);
                }
                check(f, e, length >= dataEnd, what);
            }
        });
    }
}
