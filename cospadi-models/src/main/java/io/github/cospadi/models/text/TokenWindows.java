package io.github.cospadi.models.text;

import io.github.cospadi.models.llama.ByteCorpus;
import io.github.cospadi.models.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fixed-length token windows cut from a folder of State of the Union addresses ({@code YYYY_president.txt}), the
 * protocol of the whole-model commands: each address of the chosen years, in file-name order, is read whole as UTF-8
 * and tokenized whole (no BOS added), then cut into consecutive non-overlapping windows of {@code length} tokens from
 * its first token; a shorter tail is dropped.
 */
public final class TokenWindows {
    private TokenWindows() {}

    /** Every window of the addresses whose year is in [fromYear, toYear), in order. */
    public static List<int[]> all(Tokenizer tokenizer, Path dir, int fromYear, int toYear, int length) throws IOException {
        if (length < 2) throw new IllegalArgumentException("window length must be at least 2, got " + length);
        final List<int[]> out = new ArrayList<>();
        for (Path file : ByteCorpus.addresses(dir, fromYear, toYear)) {
            final int[] ids = tokenizer.encode(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
            for (int from = 0; from + length <= ids.length; from += length) out.add(Arrays.copyOfRange(ids, from, from + length));
        }
        if (out.isEmpty()) throw new IOException("no window of " + length + " tokens in the addresses of " + dir + " from " + fromYear + " to " + toYear);
        return out;
    }

    /** The first {@code count} windows of {@link #all} ({@code count} ≤ 0: all of them). */
    public static List<int[]> first(Tokenizer tokenizer, Path dir, int fromYear, int toYear, int length, int count) throws IOException {
        final List<int[]> all = all(tokenizer, dir, fromYear, toYear, length);
        return count <= 0 || count >= all.size() ? all : new ArrayList<>(all.subList(0, count));
    }

    /**
     * {@code count} windows of {@link #all} evenly spaced over the whole range (window ⌊i·size/count⌋ for i = 0..count−1),
     * so a calibration set covers every era of the corpus; all of them when there are fewer.
     */
    public static List<int[]> evenlySpaced(Tokenizer tokenizer, Path dir, int fromYear, int toYear, int length, int count) throws IOException {
        if (count < 1) throw new IllegalArgumentException("window count must be positive, got " + count);
        final List<int[]> all = all(tokenizer, dir, fromYear, toYear, length);
        if (count >= all.size()) return all;
        final List<int[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(all.get((int) ((long) i * all.size() / count)));
        return out;
    }
}
