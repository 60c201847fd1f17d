package io.github.cospadi.models.llama;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A byte-level text corpus (token id = UTF-8 byte) from a folder of State of the Union addresses named
 * {@code YYYY_president.txt}: the files of a range of years concatenated in name order, cut into windows.
 */
public final class ByteCorpus {
    private final byte[] bytes;
    private final int files;

    private ByteCorpus(byte[] bytes, int files) {
        this.bytes = bytes;
        this.files = files;
    }

    /**
     * The address files {@code YYYY_*.txt} of {@code dir} whose leading year is in [fromYear, toYear), in name order;
     * throws when there is none.
     */
    public static List<Path> addresses(Path dir, int fromYear, int toYear) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("text directory " + dir + " does not exist");
        final List<Path> chosen;
        try (Stream<Path> s = Files.list(dir)) {
            chosen = s.filter(p -> {
                final String n = p.getFileName().toString();
                if (!n.endsWith(".txt") || n.length() < 5 || !n.substring(0, 4).chars().allMatch(Character::isDigit)) return false;
                final int year = Integer.parseInt(n.substring(0, 4));
                return year >= fromYear && year < toYear;
            }).sorted().collect(Collectors.toList());
        }
        if (chosen.isEmpty()) throw new IOException("no YYYY_*.txt file of the years [" + fromYear + ", " + toYear + ") in " + dir);
        return chosen;
    }

    /** The files whose leading year is in [fromYear, toYear), concatenated with a newline between files. */
    public static ByteCorpus years(Path dir, int fromYear, int toYear) throws IOException {
        final List<Path> chosen = addresses(dir, fromYear, toYear);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Path p : chosen) {
            if (out.size() > 0) out.write('\n');
            out.write(Files.readAllBytes(p));
        }
        return new ByteCorpus(out.toByteArray(), chosen.size());
    }

    public int size() {
        return bytes.length;
    }

    public int files() {
        return files;
    }

    /** {@code count} windows of {@code length} bytes, evenly spaced from the start to the end of the corpus. */
    public int[][] evenlySpacedWindows(int count, int length) {
        check(count, length);
        final int[][] out = new int[count][];
        final long span = bytes.length - length;
        for (int w = 0; w < count; w++) out[w] = window(count == 1 ? 0 : (int) (span * w / (count - 1)), length);
        return out;
    }

    /** {@code count} windows of {@code length} bytes at seeded random offsets. */
    public int[][] randomWindows(int count, int length, long seed) {
        check(count, length);
        final SplittableRandom random = new SplittableRandom(seed);
        final int[][] out = new int[count][];
        for (int w = 0; w < count; w++) out[w] = window(random.nextInt(bytes.length - length + 1), length);
        return out;
    }

    private void check(int count, int length) {
        if (count < 1) throw new IllegalArgumentException("window count must be positive, got " + count);
        if (length < 2 || length > bytes.length) {
            throw new IllegalArgumentException("window length must be in [2, " + bytes.length + "], got " + length);
        }
    }

    private int[] window(int start, int length) {
        final int[] t = new int[length];
        for (int i = 0; i < length; i++) t[i] = bytes[start + i] & 0xff;
        return t;
    }
}
