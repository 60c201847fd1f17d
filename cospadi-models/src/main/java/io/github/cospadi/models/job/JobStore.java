package io.github.cospadi.models.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a job keeps its files: a directory on the local file system ({@link #local}) or on any shared file system
 * (the cospadi-spark module has one over Hadoop's {@code FileSystem}). Names are relative paths with {@code /}
 * separators (e.g. {@code factors/model.layers.0.mlp.up_proj.weight.cspd}).
 *
 * <p>The one guarantee the job relies on: {@link #write} is atomic. A reader sees the previous file (or none) or the
 * whole new one, never a part, even when the writing process is killed; a re-run then finds the task unfinished and
 * redoes it. Implementations must be usable from several threads at once.
 *
 * <p>One runner at a time: {@link #lock} takes the directory's writer lock ({@link #local}: an OS file lock on
 * {@code lock} in the directory, released when the process dies); a second runner is refused naming the directory and
 * the holder. A store that cannot lock returns a lock that holds nothing and says so in its documentation.
 */
public interface JobStore {
    /** Writes the content of one file to a stream (which the store closes). */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A held writer lock of a store; {@link #close} releases it. */
    interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** Where the store lives, for messages (a path or a URI). */
    String location();

    /** Whether the file exists. */
    boolean exists(String name) throws IOException;

    /** Opens an existing file for reading. */
    InputStream open(String name) throws IOException;

    /** Writes a file atomically (see the class comment), replacing an existing one. */
    void write(String name, Content content) throws IOException;

    /** The names of the files directly or indirectly under {@code prefix} (a folder name), sorted. */
    List<String> list(String prefix) throws IOException;

    /** Deletes a file or a folder with everything under it; nothing when it does not exist. */
    void delete(String name) throws IOException;

    /**
     * Takes the store's writer lock for a runner's whole run (try-with-resources). Reentrant on the thread that holds
     * it; another thread or process is refused. The default holds nothing (a store without a lock).
     *
     * @throws IOException naming the location and, when known, the holder's pid, when another runner holds it
     */
    default Lock lock() throws IOException {
        return () -> {};
    }

    /** A store in a local directory (created on the first write or {@link #lock}). */
    static JobStore local(Path dir) {
        return new LocalJobStore(dir);
    }

    /** Reads a whole file into memory. */
    default byte[] readAllBytes(String name) throws IOException {
        try (InputStream in = open(name)) {
            return in.readAllBytes();
        }
    }

    /** Writes a small file atomically. */
    default void write(String name, byte[] bytes) throws IOException {
        write(name, out -> out.write(bytes));
    }
}
