package io.github.cospadi.io;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.TestData;
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
