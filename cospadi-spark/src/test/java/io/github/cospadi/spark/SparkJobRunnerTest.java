package io.github.cospadi.spark;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.job.CompressionJob;
import io.github.cospadi.models.job.JobPlan;
import io.github.cospadi.models.job.JobStore;
import io.github.cospadi.models.job.LocalJobRunner;
import io.github.cospadi.models.job.TinyLlamaDir;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Spark runner in {@code local[2,2]} (2 threads, a task may fail once): the same bytes as the single-JVM runner,
 * also when tasks fail on their first attempt and are retried.
 */
class SparkJobRunnerTest {
    private static JavaSparkContext sc;
    private static final List<int[]> WINDOWS = TinyLlamaDir.windows(7, 12, 5);

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,2]").setAppName("cospadi-spark-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.close();
    }

    private static JobPlan plan(Path model) {
        return new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3,
                Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3", "coder", "omp", "schedule", "fast"), "none", Map.of());
    }

    private static CompressionJob planned(JobStore store, Path model) throws IOException {
        final CompressionJob job = CompressionJob.open(store, plan(model));
        job.putWindows(WINDOWS);
        return job;
    }

    private static Map<String, byte[]> results(Path jobDir) throws IOException {
        final Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(jobDir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                final String rel = jobDir.relativize(p).toString();
                if ((rel.startsWith("grams") || rel.startsWith("factors")) && !p.getFileName().toString().startsWith(".")) out.put(rel, Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static void assertSame(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": files");
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), what + ": " + k));
    }

    @Test
    void sparkWritesTheSingleJvmBytesAlsoWhenTasksAreRetried(@TempDir Path dir) throws Exception {
        final Path model = TinyLlamaDir.write(dir.resolve("model"), 3);
        final Path local = dir.resolve("local");
        new LocalJobRunner(1, Parallelism.sequential(), null).run(planned(JobStore.local(local), model), Models.load(model, Parallelism.sequential()));
        final Map<String, byte[]> expected = results(local);
        assertEquals(14 + 8, expected.size());

        final Path clean = dir.resolve("spark");
        final HadoopJobStore.Spec cleanSpec = HadoopJobStore.Spec.of(clean.toUri().toString(), sc.hadoopConfiguration());
        planned(cleanSpec.open(), model);
        assertEquals(14, new SparkJobRunner(cleanSpec, model.toString(), null).run(sc));
        assertSame(expected, results(clean), "Spark local[2]");
        assertEquals(0, new SparkJobRunner(cleanSpec, model.toString(), null).run(sc), "a finished job runs nothing");

        // the first attempt of two tasks throws (an injected fault); Spark retries them
        final Path faulty = dir.resolve("faulty");
        final Path attempts = Files.createDirectories(dir.resolve("attempts"));
        final String marks = attempts.toString();
        final List<String> tasks = CompressionJob.resume(JobStore.local(clean)).compressionTasks(Models.load(model, Parallelism.sequential()));
        final String first = tasks.get(0), fifth = tasks.get(4);
        final TaskHook failOnce = (projection, attempt) -> {
            if (projection.equals(first) || projection.equals(fifth)) {
                Files.writeString(Path.of(marks, projection + "-" + attempt), "");
                if (attempt == 0) throw new IllegalStateException("injected failure of " + projection);
            }
        };
        final HadoopJobStore.Spec faultySpec = HadoopJobStore.Spec.of(faulty.toString(), sc.hadoopConfiguration());
        planned(faultySpec.open(), model);
        assertEquals(14, new SparkJobRunner(faultySpec, model.toString(), failOnce).run(sc));
        for (String t : List.of(first, fifth)) {
            assertTrue(Files.exists(attempts.resolve(t + "-0")) && Files.exists(attempts.resolve(t + "-1")), t + " failed once and was retried");
        }
        assertSame(expected, results(faulty), "Spark with retried tasks");
        assertFalse(Files.exists(faulty.resolve("capture")), "the partial Grams are deleted once reduced");
    }

    /**
     * rho=auto and square=type: the driver chooses ρ and the square sides per projection type from the file, and the
     * job's bytes are the single JVM's.
     */
    @Test
    void sparkChoosesPerTypeOnTheDriverWithTheSingleJvmBytes(@TempDir Path dir) throws Exception {
        final Path model = TinyLlamaDir.write(dir.resolve("model"), 3);
        final JobPlan plan = new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3,
                Map.of("method", "cospadi", "ratio", "0.5", "iterations", "3", "coder", "omp", "schedule", "fast", "rho", "auto", "square", "type"), "none", Map.of());
        final Path local = dir.resolve("local");
        final CompressionJob localJob = CompressionJob.open(JobStore.local(local), plan);
        localJob.putWindows(WINDOWS);
        final int localTasks = new LocalJobRunner(2, Parallelism.threads(2), null).run(localJob, Models.load(model, Parallelism.sequential()));
        assertTrue(localTasks <= 14 - 7, "at least the seven representatives finish with the choice: " + localTasks + " tasks left");
        final Map<String, byte[]> expected = results(local);
        expected.put("types.json", Files.readAllBytes(local.resolve("types.json")));

        final Path spark = dir.resolve("spark");
        final HadoopJobStore.Spec spec = HadoopJobStore.Spec.of(spark.toUri().toString(), sc.hadoopConfiguration());
        CompressionJob.open(spec.open(), plan).putWindows(WINDOWS);
        assertEquals(localTasks, new SparkJobRunner(spec, model.toString(), null).run(sc), "the tasks the choice left, as in one JVM");
        final Map<String, byte[]> got = results(spark);
        got.put("types.json", Files.readAllBytes(spark.resolve("types.json")));
        assertSame(expected, got, "rho=auto, square=type on Spark");
    }

    /**
     * An adaptive job: Spark refuses to compress before the allocation (it needs the whole model on one machine), then,
     * once the allocation is planned in one JVM, compresses each matrix by its own budget with the single-JVM bytes;
     * the matrices the plan keeps dense are recorded without factors.
     */
    @Test
    void sparkCompressesAnAdaptiveJobByItsStoredAllocation(@TempDir Path dir) throws Exception {
        final Path model = TinyLlamaDir.write(dir.resolve("model"), 3);
        final List<int[]> sample = WINDOWS.subList(0, 3);
        final Map<String, String> c = new TreeMap<>(Map.of("method", "cospadi", "ratio", "0.1", "iterations", "3", "coder", "omp",
                "schedule", "fast", "allocation", "adaptive", "probe-iterations", "2", "sensitivity-windows", "3", "sensitivity", "loss"));
        c.put("bands", "6");
        c.put("spread", "0.1");
        c.put("rho", "2.0");
        c.put("sensitivity-sha256", JobPlan.windowsDigest(sample));
        final JobPlan plan = new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3, c, "none", Map.of());
        final LlamaModel m = Models.load(model, Parallelism.sequential());
        final Path local = dir.resolve("local");
        final CompressionJob localJob = CompressionJob.open(JobStore.local(local), plan);
        localJob.putWindows(WINDOWS);
        final LocalJobRunner runner = new LocalJobRunner(1, Parallelism.sequential(), null);
        runner.capture(localJob, m);
        runner.allocate(localJob, m, sample);
        final int dense = localJob.keptDense(m).size();
        assertTrue(dense > 0, "the plan keeps some matrices dense at γ = 0.1");
        assertEquals(14 - dense, runner.compress(localJob, m));
        final Map<String, byte[]> expected = results(local);
        expected.put("allocation.json", Files.readAllBytes(local.resolve("allocation.json")));

        final Path spark = dir.resolve("spark");
        final HadoopJobStore.Spec spec = HadoopJobStore.Spec.of(spark.toUri().toString(), sc.hadoopConfiguration());
        CompressionJob.open(spec.open(), plan).putWindows(WINDOWS);
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SparkJobRunner(spec, model.toString(), null).run(sc));
        assertTrue(e.getMessage().contains("allocation is not planned yet") && e.getMessage().contains("--plan-only"), e.getMessage());
        new LocalJobRunner(1, Parallelism.sequential(), null).allocate(CompressionJob.resume(spec.open()), m, sample); // the Grams Spark captured
        assertEquals(14, new SparkJobRunner(spec, model.toString(), null).run(sc), "the dense ones are recorded by their tasks");
        final Map<String, byte[]> got = results(spark);
        got.put("allocation.json", Files.readAllBytes(spark.resolve("allocation.json")));
        assertSame(expected, got, "adaptive on Spark");
        assertEquals(14 - dense, LocalJobRunner.factors(CompressionJob.resume(spec.open()), m).size());
    }

    @Test
    void theHadoopStoreWritesAtomicallyAndLists(@TempDir Path dir) throws IOException {
        final HadoopJobStore s = HadoopJobStore.Spec.of(dir.toUri().toString(), sc.hadoopConfiguration()).open();
        s.write("a/b.txt", "one".getBytes());
        s.write("a/b.txt", "two".getBytes());
        s.write("a/c/d.txt", new byte[0]);
        assertEquals("two", new String(s.readAllBytes("a/b.txt")));
        assertEquals(List.of("a/b.txt", "a/c/d.txt"), s.list("a"));
        assertThrows(IOException.class, () -> s.write("a/e.txt", out -> {
            out.write(1);
            throw new IOException("disk full");
        }));
        assertFalse(s.exists("a/e.txt"), "a failed write leaves nothing");
        assertEquals(List.of("a/b.txt", "a/c/d.txt"), s.list("a"));
        assertThrows(IllegalArgumentException.class, () -> s.exists("../x"));
        s.delete("a");
        assertFalse(s.exists("a/b.txt"));
    }
}
