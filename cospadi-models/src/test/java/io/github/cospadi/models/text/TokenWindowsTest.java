package io.github.cospadi.models.text;

import io.github.cospadi.models.tokenizer.ByteTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The window protocol of the whole-model commands, on a folder of addresses the test writes. */
class TokenWindowsTest {
    @Test
    void windowsAreCutPerFileInNameOrderAndTailsDropped(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("2001_b.txt"), "abcdefghij");     // 10 bytes: windows abcd, efgh; tail ij dropped
        Files.writeString(dir.resolve("2000_a.txt"), "0123456");        // 7 bytes: 0123; tail dropped
        Files.writeString(dir.resolve("1999_z.txt"), "zzzzzzzz");       // outside the years
        Files.writeString(dir.resolve("notes.md"), "ignored");
        final List<int[]> w = TokenWindows.all(ByteTokenizer.INSTANCE, dir, 2000, 3000, 4);
        assertEquals(3, w.size());
        assertEquals("0123", ByteTokenizer.INSTANCE.decode(w.get(0)));
        assertEquals("abcd", ByteTokenizer.INSTANCE.decode(w.get(1)));
        assertEquals("efgh", ByteTokenizer.INSTANCE.decode(w.get(2)));
        assertEquals(2, TokenWindows.first(ByteTokenizer.INSTANCE, dir, 2000, 3000, 4, 2).size());
        assertEquals(3, TokenWindows.first(ByteTokenizer.INSTANCE, dir, 2000, 3000, 4, 0).size());
        final List<int[]> spaced = TokenWindows.evenlySpaced(ByteTokenizer.INSTANCE, dir, 2000, 3000, 4, 2);
        assertEquals("0123", ByteTokenizer.INSTANCE.decode(spaced.get(0)));
        assertEquals("abcd", ByteTokenizer.INSTANCE.decode(spaced.get(1)));
        final var e = assertThrows(java.io.IOException.class, () -> TokenWindows.all(ByteTokenizer.INSTANCE, dir, 2000, 3000, 11));
        assertTrue(e.getMessage().contains("no window of 11 tokens"), e.getMessage());
    }
}
