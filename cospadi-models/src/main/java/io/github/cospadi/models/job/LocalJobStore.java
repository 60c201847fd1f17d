package io.github.cospadi.models.job;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A job store in a local directory: writes go to a temporary file beside the target, forced to disk, then moved. */
final class LocalJobStore implements JobStore {
    private final Path root;

    LocalJobStore(Path root) {
        if (root == null) throw new IllegalArgumentException("job directory must not be null");
        this.root = root;
    }

    private Path resolve(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("..") || name.contains("\\")) {
            throw new IllegalArgumentException("job file name must be a relative path without '..', got '" + name + "'");
        }
        return root.resolve(name);
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public boolean exists(String name) {
        return Files.isRegularFile(resolve(name));
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(resolve(name));
    }

    @Override
    public void write(String name, Content content) throws IOException {
        final Path target = resolve(name).toAbsolutePath();
        final Path dir = target.getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try {
                // temporary files are created owner-only; the result should be readable like any other output
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep the defaults
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                final OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The OS file lock on {@code lock} in the directory ({@link DirectoryLock}). */
    @Override
    public Lock lock() throws IOException {
        return DirectoryLock.acquire(root);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        final Path dir = resolve(prefix);
        final List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> out.add(root.relativize(p).toString().replace('\\', '/')));
        }
        out.sort(null);
        return out;
    }

    @Override
    public void delete(String name) throws IOException {
        final Path p = resolve(name);
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.delete(q);
                } catch (NoSuchFileException e) {
                    // deleted concurrently
                }
            }
        }
    }

    @Override
    public String toString() {
        return "JobStore[" + root + "]";
    }
}
