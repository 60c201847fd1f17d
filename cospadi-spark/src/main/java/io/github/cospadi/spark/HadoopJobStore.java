package io.github.cospadi.spark;

import io.github.cospadi.models.job.JobStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A {@link JobStore} on a Hadoop {@link FileSystem} (a local path, {@code file:}, {@code hdfs:}, {@code s3a:}, …).
 * Writes go to a hidden temporary file in the target's folder that is then renamed over the target (a rename is
 * atomic on HDFS and local file systems; on object stores it is a copy, which the job tolerates because a task's
 * record is written after its files and verified by checksum).
 *
 * <p>No writer lock: {@link #lock} is the default that holds nothing (Hadoop file systems offer no lock that is
 * released when its holder dies). Two drivers on one job directory are not refused; they do the same tasks twice,
 * writing the same bytes, but one that starts over (deleting the directory's files) pulls them from under the other.
 * Run one driver per directory.
 */
public final class HadoopJobStore implements JobStore {
    private final Path root;
    private final FileSystem fs;

    /** Where a store is and the Hadoop settings to reach it: serializable, so tasks open the store themselves. */
    public static final class Spec implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String uri;
        private final TreeMap<String, String> conf;

        public Spec(String uri, Map<String, String> conf) {
            if (uri == null || uri.isEmpty()) throw new IllegalArgumentException("job directory URI must be non-empty");
            this.uri = uri;
            this.conf = new TreeMap<>(conf);
        }

        /** A spec with every setting of {@code conf} (e.g. the Spark context's Hadoop configuration). */
        public static Spec of(String uri, Configuration conf) {
            final TreeMap<String, String> m = new TreeMap<>();
            for (Map.Entry<String, String> e : conf) m.put(e.getKey(), e.getValue());
            return new Spec(uri, m);
        }

        public String uri() {
            return uri;
        }

        /** Opens the store. */
        public HadoopJobStore open() throws IOException {
            final Configuration c = new Configuration(false);
            conf.forEach(c::set);
            return new HadoopJobStore(new Path(uri), c);
        }
    }

    public HadoopJobStore(Path root, Configuration conf) throws IOException {
        this.root = root;
        this.fs = root.getFileSystem(conf);
    }

    private Path resolve(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("..")) {
            throw new IllegalArgumentException("job file name must be a relative path without '..', got '" + name + "'");
        }
        return new Path(root, name);
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public boolean exists(String name) throws IOException {
        final Path p = resolve(name);
        return fs.exists(p) && fs.getFileStatus(p).isFile();
    }

    @Override
    public InputStream open(String name) throws IOException {
        return fs.open(resolve(name));
    }

    @Override
    public void write(String name, Content content) throws IOException {
        final Path target = resolve(name);
        final Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                content.writeTo(out);
                out.hflush();
            }
            if (fs.exists(target)) fs.delete(target, false);
            if (!fs.rename(tmp, target)) throw new IOException("could not rename " + tmp + " to " + target);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, false);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        final Path dir = resolve(prefix);
        final List<String> out = new ArrayList<>();
        if (!fs.exists(dir)) return out;
        final String base = fs.makeQualified(root).toUri().getPath();
        final RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            final Path p = it.next().getPath();
            if (p.getName().startsWith(".")) continue;
            final String full = p.toUri().getPath();
            out.add(full.substring(base.length() + (base.endsWith("/") ? 0 : 1)));
        }
        out.sort(null);
        return out;
    }

    @Override
    public void delete(String name) throws IOException {
        fs.delete(resolve(name), true);
    }

    @Override
    public String toString() {
        return "HadoopJobStore[" + root + "]";
    }
}
