package io.github.cospadi.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Helpers of the write-to-temporary-then-move pattern. */
final class AtomicFiles {
    private AtomicFiles() {}

    /** Temporary files are created owner-only; the final file should be readable like any other output (rw-r--r--). */
    static void makeReadable(Path tmp) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the defaults
        }
    }
}
