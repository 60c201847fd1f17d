package io.github.cospadi.models.job;

import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.GramCapture;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.LlamaModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The job model: bit-identical results whatever the workers, cancellations and damaged files; plans refused. */
class CompressionJobTest {
    @TempDir
    static Path shared;
    static Path model;
    static final List<int[]> WINDOWS = TinyLlamaDir.windows(7, 12, 5);

    @BeforeAll
    static void model() throws IOException {
        model = TinyLlamaDir.write(shared.resolve("model"), 3);
    }

    static JobPlan plan(String ratio) {
        return plan(ratio, "none");
    }

    static JobPlan plan(String ratio, String grouping) {
        return new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3,
                Map.of("method", "cospadi", "ratio", ratio, "iterations", "3", "coder", "omp", "schedule", "fast"), grouping,
                Map.of("factors", "BF16"));
    }

    /**
     * A grouped plan (Basis Sharing's pairs): one task per group, the same bytes for 1 and 2 workers, factors equal to
     * the in-process {@code ModelCompressor.compressGroups} bit for bit, a group's members sharing one dictionary when
     * read back, and the assembly's factor file spanning the pair of layers.
     */
    @Test
    void aGroupedJobIsOneTaskPerGroupAndMatchesTheInProcessGroups(@TempDir Path dir) throws IOException {
        final Map<String, Map<String, byte[]>> byWorkers = new TreeMap<>();
        Map<String, io.github.cospadi.CompressedMatrix> factors = null;
        CompressionJob last = null;
        for (int workers : new int[]{1, 2}) {
            final CompressionJob job = CompressionJob.open(JobStore.local(dir.resolve("w" + workers)), plan("0.3", "pairs"));
            job.putWindows(WINDOWS);
            final LlamaModel m = load(workers);
            assertEquals(9, new LocalJobRunner(workers, Parallelism.threads(workers), null).run(job, m),
                    "5 shared pairs (q, k, v, gate, up) and o, down of each layer");
            assertTrue(job.compressionTasks(m).contains("model.layers.0.self_attn.q_proj.weight+1"), job.compressionTasks(m).toString());
            byWorkers.put("w" + workers, results(dir.resolve("w" + workers)));
            factors = LocalJobRunner.factors(job, m);
            last = job;
        }
        assertSameResults(byWorkers.get("w1"), byWorkers.get("w2"), "grouped, 2 workers");
        final LlamaModel m = load(1);
        final Map<String, CalibrationStats> grams = last.grams(m.projectionNames());
        final Map<String, io.github.cospadi.CompressedMatrix> inProcess = new io.github.cospadi.models.ModelCompressor(
                last.plan().buildCompressor(), 1, null).compressGroups(m, grams, io.github.cospadi.models.Grouping.pairs(), null);
        for (String n : m.projectionNames()) {
            assertArrayEquals(inProcess.get(n).reconstruct().data, factors.get(n).reconstruct().data, n);
        }
        assertSame(factors.get("model.layers.0.mlp.up_proj.weight").dictionaryView(), factors.get("model.layers.1.mlp.up_proj.weight").dictionaryView(),
                "the members of a group share one dictionary when read back");
        final Map<String, String> files = JobAssembly.writeFactorFiles(m, factors, dir.resolve("out"), io.github.cospadi.io.CompressedFormat.Precision.F32);
        assertEquals(java.util.Set.of("compressed/layers-0-1.cspd"), files.keySet(), "one file for the pair of layers");
    }

    static LlamaModel load(int threads) throws IOException {
        return Models.load(model, Parallelism.threads(threads));
    }

    /** Every job file whose bytes are results (Grams, factors), with its content. */
    static Map<String, byte[]> results(Path jobDir) throws IOException {
        final Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(jobDir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                final String rel = jobDir.relativize(p).toString();
                if (rel.startsWith("grams") || rel.startsWith("factors")) out.put(rel, Files.readAllBytes(p));
            }
        }
        return out;
    }

    static void assertSameResults(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": files");
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), what + ": " + k));
    }

    static Map<String, byte[]> clean(Path dir, int workers) throws IOException {
        final CompressionJob job = CompressionJob.open(JobStore.local(dir), plan("0.3"));
        job.putWindows(WINDOWS);
        assertEquals(14, new LocalJobRunner(workers, Parallelism.threads(workers), null).run(job, load(workers)));
        return results(dir);
    }

    @Test
    void sameBytesForOneAndTwoWorkersAndAfterCancelAndDamage(@TempDir Path dir) throws IOException {
        final Map<String, byte[]> one = clean(dir.resolve("one"), 1);
        assertEquals(14 + 4 * 2, one.size(), "14 factor files and 8 Grams (4 groups a layer)");
        assertSameResults(one, clean(dir.resolve("two"), 2), "2 workers");

        // cancelled after 5 projections (through the listener), resumed by a new runner
        final Path resumed = dir.resolve("resumed");
        final CompressionJob job = CompressionJob.open(JobStore.local(resumed), plan("0.3"));
        job.putWindows(WINDOWS);
        final AtomicInteger compressed = new AtomicInteger();
        assertThrows(CancellationException.class, () -> new LocalJobRunner(2, Parallelism.sequential(), e -> {
            if (e.phase().equals("compress") && compressed.incrementAndGet() == 5) e.cancel();
        }).run(job, load(1)));
        try (Stream<Path> s = Files.list(resumed.resolve("tasks"))) {
            final long records = s.filter(p -> p.getFileName().toString().startsWith("compress-")).count();
            assertTrue(records >= 5 && records < 14, "a resumable directory: " + records + " of 14 projections done");
        }
        // damage: one factor file truncated, one record lost (a task killed between its file and its record)
        final List<String> tasks = job.compressionTasks(load(1));
        final Path damaged = resumed.resolve("factors").resolve(tasks.get(0) + ".cspd");
        final byte[] full = Files.readAllBytes(damaged);
        Files.write(damaged, java.util.Arrays.copyOf(full, full.length / 2));
        Files.delete(resumed.resolve("tasks").resolve("compress-" + tasks.get(1) + ".json"));
        final CompressionJob again = CompressionJob.open(JobStore.local(resumed), plan("0.3"));
        assertFalse(again.compressed(tasks.get(0)), "a damaged file fails its checksum");
        assertFalse(again.compressed(tasks.get(1)), "a file without its record is not finished");
        final AtomicInteger events = new AtomicInteger();
        int before = 0;
        for (String t : tasks) if (again.compressed(t)) before++;
        final int finishedBefore = before;
        final int ran = new LocalJobRunner(1, Parallelism.sequential(), e -> {
            if (e.phase().equals("compress")) {
                events.incrementAndGet();
                assertEquals(14, e.totalIterations());
                assertTrue(e.iteration() > finishedBefore, "done counts the earlier runs' tasks: " + e.iteration());
            }
        }).run(again, load(1));
        assertTrue(ran >= 2 && ran <= 14 - 3, "only the unfinished tasks ran: " + ran);
        assertEquals(ran, events.get());
        assertSameResults(one, results(resumed), "cancelled, damaged and resumed");
        assertEquals(0, new LocalJobRunner(1, Parallelism.sequential(), null).run(again, load(1)), "a finished job runs nothing");
    }

    @Test
    void theGramIsTheLeftFoldOfTheChunksInOrder(@TempDir Path dir) throws IOException {
        final CompressionJob job = CompressionJob.open(JobStore.local(dir), plan("0.3"));
        job.putWindows(WINDOWS);
        final LlamaModel m = load(1);
        new LocalJobRunner(1, Parallelism.sequential(), null).capture(job, m);
        assertFalse(Files.exists(dir.resolve("capture")), "the partials are deleted once reduced");
        // oracle: chunks [0,3), [3,6), [6,7) captured separately and summed in order
        CalibrationStats expected = null;
        for (int c = 0; c < 3; c++) {
            final Map<String, CalibrationStats> g = GramCapture.capture(m, WINDOWS.subList(3 * c, Math.min(7, 3 * c + 3)), null);
            final CalibrationStats s = g.get("model.layers.1.mlp.down_proj.weight");
            expected = expected == null ? s : expected.merge(s);
        }
        final CalibrationStats actual = job.grams(List.of("model.layers.1.mlp.down_proj.weight")).get("model.layers.1.mlp.down_proj.weight");
        assertEquals(7 * 12, actual.tokens());
        assertArrayEquals(expected.gramView().data, actual.gramView().data);
        final Map<String, CalibrationStats> qkv = job.grams(List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight"));
        assertSame(qkv.get("model.layers.0.self_attn.q_proj.weight"), qkv.get("model.layers.0.self_attn.v_proj.weight"), "q and v share one Gram");
    }

    @Test
    void aDifferentPlanIsRefusedNamingWhatDiffers(@TempDir Path dir) throws IOException {
        CompressionJob.open(JobStore.local(dir), plan("0.3"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompressionJob.open(JobStore.local(dir), plan("0.4")));
        assertTrue(e.getMessage().contains("compressor.ratio: 0.3 in the directory, 0.4 now"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        final CompressionJob same = CompressionJob.open(JobStore.local(dir), plan("0.3"));
        assertEquals(plan("0.3"), same.plan());
        final IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> same.putWindows(WINDOWS.subList(0, 6)));
        assertTrue(w.getMessage().contains("calibration windows: 6 windows"), w.getMessage());
    }

    @Test
    void planJsonRoundTripsAndBadPlansAreNamed() {
        final JobPlan p = plan("0.25");
        assertEquals(p, JobPlan.fromJson(p.toJson(), "plan.json"));
        assertEquals(3, p.chunks());
        final IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0,
                Map.of("method", "cospadi", "ratio", "0.2", "iterations", "3"), "triples", Map.of()));
        assertTrue(g.getMessage().contains("grouping must be none, pairs or a JSON list") && g.getMessage().contains("'triples'"), g.getMessage());
        final JobPlan groups = new JobPlan("m", "c", 0, "", 0, Map.of("method", "cospadi", "ratio", "0.2", "iterations", "3"),
                io.github.cospadi.models.Grouping.of(List.of(List.of("a.q_proj", "b.q_proj"))).spec(), Map.of());
        assertEquals(groups, JobPlan.fromJson(groups.toJson(), "plan.json"), "user groups round-trip through the plan");
        assertEquals("[[\"a.q_proj\",\"b.q_proj\"]]", groups.grouping());
        final IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0,
                Map.of("method", "cospadi", "ratio", "0.2", "iterations", "3", "ratoi", "1"), "none", Map.of()));
        assertTrue(k.getMessage().contains("unknown compressor setting 'ratoi'"), k.getMessage());
        final IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> JobPlan.fromJson("{\"version\": 9}", "x/plan.json"));
        assertTrue(v.getMessage().contains("x/plan.json: plan version 9"), v.getMessage());
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> JobPlan.fromJson("{\"version\": 1,", "y/plan.json"));
        assertTrue(bad.getMessage().startsWith("y/plan.json: malformed JSON"), bad.getMessage());
    }
}
