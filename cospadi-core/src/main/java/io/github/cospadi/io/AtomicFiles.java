package io.github.cospadi.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file through a temporary file in the same directory that is forced to disk and moved into place: an
 * interrupted write leaves the previous file (or none), never a partial one; the result is readable like any other
 * output (rw-r--r-- on POSIX file systems). Every writer of cospadi goes through it.
 */
public final class AtomicFiles {
    /** Writes the content of a file to an open channel. */
    @FunctionalInterface
    interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes {@code text} as UTF-8 to {@code target} atomically (replacing an existing file). */
    public static void writeString(Path target, CharSequence text) throws IOException {
        final byte[] bytes = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(target, ch -> {
            final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) ch.write(buffer);
        });
    }

    /** Copies {@code source} to {@code target} atomically (replacing an existing file). */
    public static void copy(Path source, Path target) throws IOException {
        write(target, ch -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                final long size = in.size();
                for (long at = 0; at < size; ) at += in.transferTo(at, size - at, ch);
            }
        });
    }

    /** An interrupted write leaves the previous file (or none) under {@code target}, never a partial one. */
    static void write(Path target, Content content) throws IOException {
        final Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            makeReadable(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(ch);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Temporary files are created owner-only; the final file should be readable like any other output (rw-r--r--). */
    private static void makeReadable(Path tmp) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the defaults
        }
    }
}
