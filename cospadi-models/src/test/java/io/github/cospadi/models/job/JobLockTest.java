package io.github.cospadi.models.job;

import io.github.cospadi.common.Parallelism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The writer lock of a local job directory ({@link JobStore#lock}): a second runner, on another thread or in another
 * process, is refused naming the directory (and the other process's pid); the lock is reentrant on its thread; once
 * released (or its process killed) a runner takes it and resumes the job.
 */
@SuppressWarnings("try") // locks and holders are held, not used
class JobLockTest {
    /** The child: takes the lock of the directory in args[0], says so, and waits to be killed. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            final JobStore.Lock lock = JobStore.local(Path.of(args[0])).lock();
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(60_000); // the parent kills us (SIGKILL: no finally, no release but the OS's)
            lock.close();
        }
    }

    /** Holds the lock of {@code dir} on its own thread until {@link #close}. */
    private static final class Holder implements AutoCloseable {
        private final CountDownLatch taken = new CountDownLatch(1), release = new CountDownLatch(1);
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Holder(Path dir) throws InterruptedException {
            final Thread t = new Thread(() -> {
                try (JobStore.Lock lock = JobStore.local(dir).lock()) {
                    taken.countDown();
                    release.await();
                    done.complete(null);
                } catch (Exception e) {
                    done.completeExceptionally(e);
                    taken.countDown();
                }
            }, "lock-holder");
            t.start();
            assertTrue(taken.await(30, TimeUnit.SECONDS), "the holder took the lock");
            assertFalse(done.isCompletedExceptionally(), "the holder took the lock");
        }

        @Override
        public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
            release.countDown();
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the holder released the lock", e);
            }
        }
    }

    @Test
    void aSecondRunnerInThisProcessIsRefusedAndResumesAfterTheRelease(@TempDir Path dir) throws Exception {
        CompressionJobTest.model = TinyLlamaDir.write(dir.resolve("model"), 3);
        final Path jobDir = dir.resolve("job");
        final CompressionJob job = CompressionJob.open(JobStore.local(jobDir), CompressionJobTest.plan("0.3"));
        job.putWindows(CompressionJobTest.WINDOWS);
        final LocalJobRunner runner = new LocalJobRunner(1, Parallelism.sequential(), null);
        try (Holder other = new Holder(jobDir)) {
            final IOException e = assertThrows(IOException.class, () -> runner.run(job, CompressionJobTest.load(1)));
            assertTrue(e.getMessage().startsWith("job directory " + jobDir + " is in use by another runner in this process (pid "
                    + ProcessHandle.current().pid() + ", thread 'lock-holder')"), e.getMessage());
            assertThrows(IOException.class, () -> runner.compress(job, CompressionJobTest.load(1)), "each stage takes the lock");
        }
        assertFalse(job.gramsReady(), "the refused runner wrote nothing");
        // reentrant on the holding thread (a command that holds the lock runs the runner), released with the last close
        try (JobStore.Lock outer = JobStore.local(jobDir).lock()) {
            assertEquals(14, runner.run(job, CompressionJobTest.load(1)));
        }
        try (Holder again = new Holder(jobDir)) {
            assertNotNull(again, "released after the nested acquisitions");
        }
        assertEquals(0, runner.run(job, CompressionJobTest.load(1)), "finished");
    }

    @Test
    void anotherProcessIsRefusedNamingItsPidUntilItDies(@TempDir Path dir) throws Exception {
        final Path jobDir = dir.resolve("job");
        final Process p = ChildJvm.start(Child.class, jobDir.toString());
        try {
            assertEquals("locked", ChildJvm.firstLine(p), "the child took the lock");
            final IOException e = assertThrows(IOException.class, () -> JobStore.local(jobDir).lock());
            assertTrue(e.getMessage().startsWith("job directory " + jobDir + " is in use by process " + p.pid() + " (it holds "), e.getMessage());
        } finally {
            p.destroyForcibly(); // SIGKILL on Unix
            p.waitFor(30, TimeUnit.SECONDS);
        }
        try (JobStore.Lock lock = JobStore.local(jobDir).lock()) {
            assertNotNull(lock, "the OS released the dead process's lock");
        }
    }
}
