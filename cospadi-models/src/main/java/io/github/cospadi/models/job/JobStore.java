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
 */
public interface JobStore {
    /** Writes the content of one file to a stream (which the store closes). */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
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

    /** A store in a local directory (created on the first write). */
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
