package io.github.cospadi.models.job;

import io.github.cospadi.common.Parallelism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A single-JVM job killed with SIGKILL mid-job ({@link Process#destroyForcibly}, a child JVM on the test classpath
 * running {@link Child}) resumes in this JVM — the OS released its job lock — and ends with the bytes of a clean run.
 */
class KilledJobTest {
    /** The child: runs the job on 2 workers and, after 4 projections, says so and keeps the other worker busy. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            CompressionJobTest.model = Path.of(args[0]);
            final CompressionJob job = CompressionJob.open(JobStore.local(Path.of(args[1])), CompressionJobTest.plan("0.3"));
            job.putWindows(CompressionJobTest.WINDOWS);
            new LocalJobRunner(2, Parallelism.sequential(), e -> {
                if (e.phase().equals("compress") && e.iteration() == 4) {
                    System.out.println("killable");
                    System.out.flush();
                    try {
                        Thread.sleep(60_000); // the parent kills us here; the other worker is mid-task
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                }
            }).run(job, CompressionJobTest.load(1));
        }
    }

    @Test
    void aKilledJobResumesToTheSameBytes(@TempDir Path dir) throws Exception {
        final Path model = TinyLlamaDir.write(dir.resolve("model"), 3);
        CompressionJobTest.model = model;
        final Path killed = dir.resolve("killed");
        final Process p = ChildJvm.start(Child.class, model.toString(), killed.toString());
        try {
            assertEquals("killable", ChildJvm.firstLine(p), "the child reached the middle of the job");
        } finally {
            p.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no finally blocks
            p.waitFor(30, TimeUnit.SECONDS);
        }
        final CompressionJob job = CompressionJob.open(JobStore.local(killed), CompressionJobTest.plan("0.3"));
        int done = 0;
        for (String t : job.compressionTasks(CompressionJobTest.load(1))) if (job.compressed(t)) done++;
        assertTrue(done >= 4 && done < 14, "killed mid-job: " + done + " of 14 done");
        final int ran = new LocalJobRunner(2, Parallelism.threads(2), null).run(job, CompressionJobTest.load(2));
        assertEquals(14 - done, ran);
        CompressionJobTest.assertSameResults(CompressionJobTest.clean(dir.resolve("clean"), 1), CompressionJobTest.results(killed), "killed and resumed");
    }
}
