package io.github.cospadi.models.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The writer lock of a local job directory: an OS file lock ({@link FileChannel#tryLock}) on the file {@code lock} in
 * it, which holds the holder's pid for messages. The OS releases it when the process dies, so a job killed with
 * SIGKILL resumes. Within this JVM the lock is counted per directory and reentrant on the thread that took it (a
 * command that holds it may call a runner that takes it again); another thread is refused like another process.
 *
 * <p>The {@code lock} file is left behind on release: deleting it would let a second process lock a file that a third
 * has just opened under the same name.
 */
final class DirectoryLock implements JobStore.Lock {
    private static final String FILE = "lock";
    /** Locks this JVM holds, by real directory path. Guarded by itself. */
    private static final Map<Path, Held> HELD = new HashMap<>();

    /** One OS lock, shared by the nested acquisitions of its owner thread. */
    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        final Thread owner;
        int count = 1;

        Held(FileChannel channel, FileLock lock, Thread owner) {
            this.channel = channel;
            this.lock = lock;
            this.owner = owner;
        }
    }

    private final Path key;
    private final Held held;
    private boolean released;

    private DirectoryLock(Path key, Held held) {
        this.key = key;
        this.held = held;
    }

    /**
     * Takes the lock of {@code dir} (created when missing).
     *
     * @throws IOException naming the directory and the holder (a pid, or a thread of this process) when it is held
     */
    static DirectoryLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        final Path key = dir.toRealPath();
        synchronized (HELD) {
            final Held h = HELD.get(key);
            if (h != null) {
                if (h.owner != Thread.currentThread()) {
                    throw new IOException("job directory " + dir + " is in use by another runner in this process (pid " + ProcessHandle.current().pid()
                            + ", thread '" + h.owner.getName() + "'); wait for it to finish");
                }
                h.count++;
                return new DirectoryLock(key, h);
            }
            final FileChannel channel = FileChannel.open(key.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) { // e.g. OverlappingFileLockException: a copy of this class in another class loader
                channel.close();
                throw new IOException("job directory " + dir + ": cannot lock " + key.resolve(FILE) + ": " + e, e);
            }
            if (lock == null) {
                final String holder = holder(channel);
                channel.close();
                throw new IOException("job directory " + dir + " is in use by " + holder + " (it holds " + key.resolve(FILE)
                        + "); wait for it to finish or stop it, then run again to resume");
            }
            try {
                final byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(pid), 0);
            } catch (IOException e) {
                channel.close(); // releases the lock
                throw e;
            }
            final Held taken = new Held(channel, lock, Thread.currentThread());
            HELD.put(key, taken);
            return new DirectoryLock(key, taken);
        }
    }

    /** "process PID" from the lock file, or "another process" when it holds no pid (yet). */
    private static String holder(FileChannel channel) {
        try {
            final ByteBuffer b = ByteBuffer.allocate(32);
            channel.read(b, 0);
            final String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return "process " + Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            return "another process";
        }
    }

    /** Releases this acquisition; the OS lock goes with the owner's last one. Closing twice does nothing. */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (released) return;
            released = true;
            if (--held.count > 0) return;
            HELD.remove(key);
            try {
                held.lock.release();
            } finally {
                held.channel.close();
            }
        }
    }
}
