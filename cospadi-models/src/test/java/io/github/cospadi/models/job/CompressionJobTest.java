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
        assertTrue(g.getMessage().contains("grouping must be none, pairs, pairs-all or a JSON list") && g.getMessage().contains("'triples'"), g.getMessage());
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

    /** A job of {@code plan} in {@code dir}, its Grams captured by a runner of {@code workers} workers. */
    record Captured(CompressionJob job, LlamaModel model, LocalJobRunner runner) {}

    static Captured captured(Path dir, JobPlan plan, int workers) throws IOException {
        final CompressionJob job = CompressionJob.open(JobStore.local(dir), plan);
        job.putWindows(WINDOWS);
        final LlamaModel m = load(workers);
        final LocalJobRunner runner = new LocalJobRunner(workers, Parallelism.threads(workers), null);
        runner.capture(job, m);
        return new Captured(job, m, runner);
    }

    static JobPlan rhoAutoPlan(String ratio, int iterations) {
        return typesPlan(ratio, iterations, "auto", "");
    }

    /** A per-matrix CoSpaDi plan with {@code rho} and, unless empty, {@code square}. */
    static JobPlan typesPlan(String ratio, int iterations, String rho, String square) {
        final Map<String, String> c = new TreeMap<>(Map.of("method", "cospadi", "ratio", ratio, "iterations", Integer.toString(iterations),
                "coder", "omp", "schedule", "fast", "rho", rho));
        if (!square.isEmpty()) c.put("square", square);
        return new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3, c, "none",
                Map.of("factors", "BF16"));
    }

    /**
     * Settings per projection type (docs/design.md §4.1). With rho=auto each type's ρ is the candidate of lowest
     * functional error on the type's middle layer — checked against compressing that matrix directly at every candidate
     * whose dictionary fits the smaller side; with square=type a square type also takes the side that won at that ρ
     * (and with a fixed ρ only square types are tried). Chosen once and stored; every task is then compressed with its
     * type's choice, bit for bit the factors of a compressor built with it; the same choices and bytes for 1 and 2
     * workers; a damaged types.json is chosen again with the same result. Trials of a plan with more than
     * {@link CompressionJob#TRIAL_ITERATIONS} iterations run that many (and the representatives are compressed again);
     * otherwise the winner is the task's result.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"0.3, 3, auto, ''", "0.5, 3, auto, type", "0.4, 10, auto, ''", "0.3, 3, 2, type", "0.4, 10, 2.5, type"})
    void theJobChoosesPerTypeOnTheMiddleLayerAndCompressesEachTypeWithItsChoice(String ratio, int iterations, String rhoSetting, String square,
                                                                              @TempDir Path dir) throws IOException {
        final int trialIterations = Math.min(iterations, CompressionJob.TRIAL_ITERATIONS);
        final boolean reused = trialIterations == iterations, rhoAuto = rhoSetting.equals("auto"), byType = square.equals("type");
        final List<Double> candidates = rhoAuto ? CompressionJob.RHO_CANDIDATES : List.of(Double.parseDouble(rhoSetting));
        final Map<String, Map<String, byte[]>> byWorkers = new TreeMap<>();
        Map<String, CompressionJob.TypeChoice> first = null;
        final double gamma = Double.parseDouble(ratio);
        for (int workers : new int[]{1, 2}) {
            final Path d = dir.resolve("w" + workers);
            final Captured cap = captured(d, typesPlan(ratio, iterations, rhoSetting, square), workers);
            final CompressionJob job = cap.job();
            final LlamaModel m = cap.model();
            final LocalJobRunner runner = cap.runner();
            final String someTask = job.compressionTasks(m).get(0);
            assertThrows(IllegalStateException.class, () -> job.compressor(m, someTask), "no compressor before the choice");
            assertThrows(IllegalStateException.class, () -> job.plan().buildCompressor(), "no single compressor");
            final List<io.github.cospadi.common.ProgressEvent> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            final Map<String, CompressionJob.TypeChoice> chosen = job.chooseTypes(m, workers, events::add);
            int trials = 0, squareTypes = 0;
            for (String type : chosen.keySet()) {
                final List<io.github.cospadi.models.Projection> members = new java.util.ArrayList<>();
                for (var p : m.projections()) if (CompressionJob.projectionType(p.name()).equals(type)) members.add(p);
                final var rep = members.get(members.size() / 2);
                assertTrue(rep.name().startsWith("model.layers.1."), rep.name() + ": the middle of two layers");
                final boolean side = byType && rep.outFeatures() == rep.inFeatures();
                if (side) squareTypes++;
                if (!rhoAuto && !side) {
                    assertEquals(new CompressionJob.TypeChoice(candidates.get(0), null), chosen.get(type), type + ": nothing to choose");
                    assertFalse(job.compressed(rep.name()), rep.name() + ": no trial");
                    continue;
                }
                // ρ: the lowest error of the representative over the fitting candidates (and both sides when square)
                final List<io.github.cospadi.common.Orientation> sides = side
                        ? List.of(io.github.cospadi.common.Orientation.INPUT, io.github.cospadi.common.Orientation.OUTPUT) : java.util.Collections.singletonList(null);
                double best = Double.POSITIVE_INFINITY, bestRho = Double.NaN;
                for (double rho : candidates) {
                    final int small = Math.min(rep.outFeatures(), rep.inFeatures()), large = Math.max(rep.outFeatures(), rep.inFeatures());
                    boolean fits;
                    try {
                        fits = io.github.cospadi.Budget.forRatio(small, large, gamma, rho, io.github.cospadi.Budget.Accounting.EFFECTIVE).atoms() <= small;
                    } catch (IllegalArgumentException e) {
                        fits = false;
                    }
                    if (!fits && rho != candidates.get(0)) continue;
                    for (io.github.cospadi.common.Orientation o : sides) {
                        trials++;
                        final double e = trial(job, m, rep.name(), gamma, rho, o, trialIterations);
                        if (e < best) {
                            best = e;
                            bestRho = rho;
                        }
                    }
                }
                // the side: the lower sum over the representative and the members at 1/4 and 3/4 of the depth, at that ρ
                io.github.cospadi.common.Orientation bestSide = null;
                if (side) {
                    double in = 0, out = 0;
                    for (int member : new java.util.TreeSet<>(List.of(members.size() / 4, members.size() / 2, 3 * members.size() / 4))) {
                        if (member != members.size() / 2) trials += 2;
                        in += trial(job, m, members.get(member).name(), gamma, bestRho, io.github.cospadi.common.Orientation.INPUT, trialIterations);
                        out += trial(job, m, members.get(member).name(), gamma, bestRho, io.github.cospadi.common.Orientation.OUTPUT, trialIterations);
                    }
                    bestSide = out < in ? io.github.cospadi.common.Orientation.OUTPUT : io.github.cospadi.common.Orientation.INPUT;
                    assertEquals(reused, job.compressed(members.get(0).name()), members.get(0).name() + ": its trial on the chosen side is its task's result iff reused");
                } else {
                    assertEquals(reused, job.compressed(rep.name()), rep.name() + ": the winning trial is its task's result iff it ran the plan's iterations");
                }
                assertEquals(new CompressionJob.TypeChoice(bestRho, bestSide), chosen.get(type),
                        type + ": the candidate of lowest functional error, and for a square type under square=type the side of the lower sum");
            }
            int done = 0;
            for (String task : job.compressionTasks(m)) if (job.compressed(task)) done++;
            assertEquals(7, chosen.size(), "seven projection types: " + chosen);
            if (byType) assertEquals(2, squareTypes, "q and o are square");
            assertTrue(JobAssembly.description(job.plan()).endsWith(" schedule=fast rho=" + rhoSetting + (byType ? " square=type" : "")),
                    JobAssembly.description(job.plan()));
            assertEquals(trials, events.size(), "one progress event per trial");
            assertSame(chosen, job.chooseTypes(m, workers, e -> fail("chosen once")), "a second call reads the choice");
            if (first == null) first = chosen;
            else assertEquals(first, chosen, "the choice does not depend on the workers");
            assertTrue(reused || done == 0, "no task finishes with capped trials");
            assertEquals(14 - done, runner.compress(job, m), "the tasks the trials did not finish");
            for (String task : job.compressionTasks(m)) {
                final CompressionJob.TypeChoice choice = chosen.get(CompressionJob.projectionType(task));
                final io.github.cospadi.Compressor.Builder b = job.plan().builder().ratio(gamma).atomsPerNonzero(choice.rho());
                if (choice.orientation() != null) b.squareOrientation(choice.orientation());
                final io.github.cospadi.CompressedMatrix direct = b.build().compress(m.weight(task), job.grams(List.of(task)).get(task));
                final io.github.cospadi.CompressedMatrix stored = job.taskFactors(task).get(task);
                assertEquals(direct.atoms(), stored.atoms(), task);
                assertEquals(direct.nonzerosPerColumn(), stored.nonzerosPerColumn(), task);
                assertEquals(direct.orientation(), stored.orientation(), task);
                if (choice.orientation() != null) assertEquals(choice.orientation(), stored.orientation(), task + ": its type's side");
                assertArrayEquals(direct.dictionary().data, stored.dictionary().data, task + ": the factors of its type's choice, bit for bit");
            }
            byWorkers.put("w" + workers, results(d));
            // a damaged choice is redone, with the same result
            Files.writeString(d.resolve("types.json"), "{\"types\": []}");
            final CompressionJob again = CompressionJob.resume(JobStore.local(d));
            assertFalse(again.typesChosen(), "a damaged types.json is not taken");
            assertEquals(chosen, again.chooseTypes(m, workers, io.github.cospadi.common.ProgressListener.none()));
        }
        assertSameResults(byWorkers.get("w1"), byWorkers.get("w2"), "1 and 2 workers");
    }

    /** The functional error of a trial: the plan's compressor at ρ, on {@code side} (null: the plan's AUTO), capped iterations. */
    static double trial(CompressionJob job, LlamaModel m, String name, double gamma, double rho, io.github.cospadi.common.Orientation side, int iterations)
            throws IOException {
        final io.github.cospadi.Compressor.Builder b = job.plan().builder().ratio(gamma).atomsPerNonzero(rho).iterations(iterations);
        if (side != null) b.squareOrientation(side);
        return b.build().compress(m.weight(name), job.grams(List.of(name)).get(name)).report().functionalError();
    }

    @Test
    void projectionTypesReplaceTheLayerIndex() {
        assertEquals("model.layers.*.mlp.down_proj.weight", CompressionJob.projectionType("model.layers.12.mlp.down_proj.weight"));
        assertEquals("encoder.layer.*.attention.self.query", CompressionJob.projectionType("encoder.layer.3.attention.self.query"));
        assertEquals("*.attn.*", CompressionJob.projectionType("0.attn.7"));
        assertEquals("a.b12.c", CompressionJob.projectionType("a.b12.c"), "only whole dot-delimited integers");
    }

    @Test
    void rhoPlansAreCheckedAtTheDoor() {
        final Map<String, String> base = Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3");
        for (String bad : new String[]{"0.5", "abc", "NaN", "Infinity"}) {
            final Map<String, String> c = new TreeMap<>(base);
            c.put("rho", bad);
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, c, "none", Map.of()));
            assertTrue(e.getMessage().contains("rho must be a number >= 1 or auto, got '" + bad + "'"), e.getMessage());
        }
        final Map<String, String> auto = new TreeMap<>(base);
        auto.put("rho", "auto");
        assertTrue(new JobPlan("m", "c", 0, "", 0, auto, "none", Map.of()).rhoAuto());
        final IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, auto, "pairs", Map.of()));
        assertTrue(g.getMessage().contains("grouping must be none, got 'pairs'"), g.getMessage());
        auto.put("method", "svd-llm");
        final IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, auto, "none", Map.of()));
        assertTrue(s.getMessage().contains("rho=auto applies to method cospadi, got 'svd-llm'"), s.getMessage());
    }

    @Test
    void squarePlansAreCheckedAtTheDoor() {
        final Map<String, String> base = Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3", "square", "type");
        final JobPlan typed = new JobPlan("m", "c", 0, "", 0, base, "none", Map.of());
        assertTrue(typed.squareByType() && typed.choosesPerType() && !typed.rhoAuto());
        assertThrows(IllegalStateException.class, typed::buildCompressor, "square=type has no single compressor");
        final Map<String, String> bad = new TreeMap<>(base);
        bad.put("square", "diagonal");
        final IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, bad, "none", Map.of()));
        assertTrue(v.getMessage().contains("square must be input, output or type, got 'diagonal'"), v.getMessage());
        final IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, base, "pairs", Map.of()));
        assertTrue(g.getMessage().contains("square=type") && g.getMessage().contains("grouping must be none, got 'pairs'"), g.getMessage());
        final Map<String, String> side = new TreeMap<>(base);
        side.put("orientation", "input");
        final IllegalArgumentException o = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, side, "none", Map.of()));
        assertTrue(o.getMessage().contains("orientation must be auto, got 'input'"), o.getMessage());
        final Map<String, String> lowRank = new TreeMap<>(base);
        lowRank.put("method", "svd-llm");
        final IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> new JobPlan("m", "c", 0, "", 0, lowRank, "none", Map.of()));
        assertTrue(l.getMessage().contains("method must be cospadi, got 'svd-llm'"), l.getMessage());
        final Map<String, String> input = new TreeMap<>(base);
        input.put("square", "input");
        assertFalse(new JobPlan("m", "c", 0, "", 0, input, "none", Map.of()).choosesPerType(), "a fixed side: nothing to choose");
        final IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> new CompressionJob.TypeChoice(0.5, null));
        assertTrue(r.getMessage().contains("rho must be a finite number >= 1, got 0.5"), r.getMessage());
        final IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> new CompressionJob.TypeChoice(2, io.github.cospadi.common.Orientation.AUTO));
        assertTrue(a.getMessage().contains("orientation must be INPUT, OUTPUT or null, got AUTO"), a.getMessage());
    }

    static final List<int[]> SENSITIVITY_WINDOWS = WINDOWS.subList(0, 3);

    static JobPlan adaptivePlan(String method, String ratio) {
        final Map<String, String> c = new TreeMap<>(Map.of("method", method, "ratio", ratio, "iterations", "3", "coder", "omp", "schedule", "fast",
                "allocation", "adaptive", "probe-iterations", "2", "sensitivity-windows", "3", "sensitivity", "loss", "bands", "6"));
        c.put("spread", "0.1");
        c.put("rho", "2.0");
        c.put("sensitivity-sha256", JobPlan.windowsDigest(SENSITIVITY_WINDOWS));
        return new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3, c, "none", Map.of("factors", "BF16"));
    }

    /**
     * An adaptive job (docs/design.md §12, §13): the allocation is planned once and stored, each task compressed by its
     * own budget — bit for bit what the in-memory plan's compressors give — the same bytes for 1 and 2 workers and
     * after a lost task, a kept-dense projection recorded without factors, and the stored plan within the budget.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"cospadi, 0.3", "svd-llm, 0.5", "svd-llm, 0.1", "cospadi, 0.1"})
    void anAdaptiveJobPlansOnceAndCompressesEachMatrixByItsBudget(String method, String ratio, @TempDir Path dir) throws IOException {
        final Map<String, Map<String, byte[]>> byWorkers = new TreeMap<>();
        io.github.cospadi.models.plan.BudgetPlan planned = null;
        for (int workers : new int[]{1, 2}) {
            final Path d = dir.resolve("w" + workers);
            final Captured cap = captured(d, adaptivePlan(method, ratio), workers);
            final CompressionJob job = cap.job();
            final LlamaModel m = cap.model();
            final LocalJobRunner runner = cap.runner();
            assertThrows(IllegalStateException.class, () -> runner.compress(job, m), "no compression before the allocation");
            final io.github.cospadi.models.plan.Planner.Result r = runner.allocate(job, m, SENSITIVITY_WINDOWS);
            assertNotNull(r);
            assertNull(runner.allocate(job, m, SENSITIVITY_WINDOWS), "planned once: a second call finds it finished");
            if (planned == null) planned = r.plan();
            else assertEquals(planned.toJson(), r.plan().toJson(), "the plan does not depend on the workers");
            final java.util.Set<String> dense = job.keptDense(m);
            if (ratio.equals("0.1")) assertFalse(dense.isEmpty(), "at γ = 0.1 the plan keeps some matrices dense (the path under test)");
            assertEquals(14 - dense.size(), runner.compress(job, m), "one task per compressed matrix; dense ones recorded, not run");
            final Map<String, byte[]> res = results(d);
            res.put("allocation.json", Files.readAllBytes(d.resolve("allocation.json")));
            byWorkers.put("w" + workers, res);
            // each matrix's factors are its own compressor's, built from the in-memory plan
            final Map<String, io.github.cospadi.CompressedMatrix> factors = LocalJobRunner.factors(job, m);
            final Map<String, CalibrationStats> grams = job.grams(m.projectionNames());
            long stored = 0, all = 0;
            for (io.github.cospadi.models.plan.BudgetPlan.Entry e : r.plan().entries()) {
                final String n = e.options().name();
                final io.github.cospadi.models.plan.Candidate c = e.chosen();
                all += e.options().denseStorage();
                if (c.kind() == io.github.cospadi.models.plan.Candidate.Kind.DENSE) {
                    assertFalse(factors.containsKey(n), n + " is kept dense");
                    assertTrue(job.compressed(n), n + " is recorded as finished");
                    stored += e.options().denseStorage();
                    continue;
                }
                final io.github.cospadi.Compressor direct = c.kind() == io.github.cospadi.models.plan.Candidate.Kind.COSPADI
                        ? job.plan().builder().atoms(c.atoms()).nonzerosPerColumn(c.nonzerosPerColumn()).orientation(c.orientation()).build()
                        : io.github.cospadi.Compressor.builder().method(io.github.cospadi.Method.SVD_LLM).rank(c.atoms()).build();
                final io.github.cospadi.CompressedMatrix want = direct.compress(m.weight(n), grams.get(n));
                assertArrayEquals(want.reconstruct().data, factors.get(n).reconstruct().data, n + " " + c.label());
                assertEquals(c.atoms(), factors.get(n).atoms(), n);
                stored += c.storage();
            }
            assertTrue(stored <= r.plan().budget() && 1 - (double) stored / all >= Double.parseDouble(ratio) - 1e-12,
                    "stored " + stored + " of " + all + " at ratio " + ratio);
        }
        assertSameResults(byWorkers.get("w1"), byWorkers.get("w2"), "adaptive, 2 workers");

        // a lost task and a damaged allocation record: the allocation is not redone, the task is, with the same bytes
        final Path d = dir.resolve("w1");
        final CompressionJob again = CompressionJob.open(JobStore.local(d), adaptivePlan(method, ratio));
        final LlamaModel m = load(1);
        final String task = again.compressionTasks(m).stream().filter(t -> {
            try {
                return !again.keptDense(m, t);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).findFirst().orElseThrow();
        Files.delete(d.resolve("factors").resolve(task + ".cspd"));
        assertEquals(1, new LocalJobRunner(1, Parallelism.sequential(), null).compress(again, m));
        final Map<String, byte[]> redone = results(d);
        redone.put("allocation.json", Files.readAllBytes(d.resolve("allocation.json")));
        assertSameResults(byWorkers.get("w1"), redone, "after a lost task");
        Files.writeString(d.resolve("allocation.json"), "{}");
        final CompressionJob damaged = CompressionJob.open(JobStore.local(d), adaptivePlan(method, ratio));
        assertFalse(damaged.allocated(), "a damaged allocation fails its checksum and is planned again");
        assertThrows(IllegalStateException.class, () -> damaged.allocation(m));
        // the sensitivity windows must be the plan's
        final IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> damaged.allocate(m, WINDOWS, 1, null));
        assertTrue(w.getMessage().contains("sensitivity windows"), w.getMessage());
    }

    @Test
    void adaptivePlansAreCheckedAtTheDoor() {
        final Map<String, String> c = new TreeMap<>(adaptivePlan("cospadi", "0.3").compressor());
        c.remove("bands");
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new JobPlan(model.toString(), "x", 0, "", 0, c, "none", null));
        assertTrue(missing.getMessage().contains("'bands' is missing"), missing.getMessage());
        final IllegalArgumentException grouped = assertThrows(IllegalArgumentException.class,
                () -> new JobPlan(model.toString(), "x", 0, "", 0, adaptivePlan("cospadi", "0.3").compressor(), "pairs", null));
        assertTrue(grouped.getMessage().contains("grouping must be none"), grouped.getMessage());
        final Map<String, String> uniform = new TreeMap<>(plan("0.3").compressor());
        uniform.put("bands", "3");
        final IllegalArgumentException stray = assertThrows(IllegalArgumentException.class, () -> new JobPlan(model.toString(), "x", 0, "", 0, uniform, "none", null));
        assertTrue(stray.getMessage().contains("'bands' applies to allocation=adaptive only"), stray.getMessage());
        final Map<String, String> svd = new TreeMap<>(adaptivePlan("cospadi", "0.3").compressor());
        svd.put("method", "svd");
        assertThrows(IllegalArgumentException.class, () -> new JobPlan(model.toString(), "x", 0, "", 0, svd, "none", null));
        assertTrue(adaptivePlan("cospadi", "0.3").adaptive());
        assertFalse(plan("0.3").adaptive());
    }

    /**
     * A planning cancelled half way (as a killed job) resumes from its saved curves and sensitivity groups: the second
     * run measures only the rest, and the allocation has the uninterrupted run's bytes.
     */
    @Test
    void aCancelledPlanningResumesFromItsSavedSteps(@TempDir Path dir) throws IOException {
        final LlamaModel m = load(1);
        final CompressionJob clean = CompressionJob.open(JobStore.local(dir.resolve("clean")), adaptivePlan("cospadi", "0.3"));
        clean.putWindows(WINDOWS);
        final LocalJobRunner runner = new LocalJobRunner(1, Parallelism.sequential(), null);
        runner.capture(clean, m);
        runner.allocate(clean, m, SENSITIVITY_WINDOWS);
        final byte[] expected = Files.readAllBytes(dir.resolve("clean").resolve("allocation.json"));

        final CompressionJob job = CompressionJob.open(JobStore.local(dir.resolve("cut")), adaptivePlan("cospadi", "0.3"));
        job.putWindows(WINDOWS);
        runner.capture(job, m);
        final AtomicInteger groups = new AtomicInteger();
        assertThrows(CancellationException.class, () -> new LocalJobRunner(1, Parallelism.sequential(), e -> {
            if (e.subject().startsWith("sensitivity") && groups.incrementAndGet() == 4) e.cancel();
        }).allocate(job, m, SENSITIVITY_WINDOWS));
        assertFalse(job.allocated());
        try (Stream<Path> saved = Files.list(dir.resolve("cut").resolve("planning").resolve("sensitivity"))) {
            assertEquals(4, saved.filter(p -> p.toString().endsWith(".json")).count(), "the groups measured before the cancel are saved");
        }
        final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        new LocalJobRunner(1, Parallelism.sequential(), e -> events.add(e.subject())).allocate(job, m, SENSITIVITY_WINDOWS);
        assertArrayEquals(expected, Files.readAllBytes(dir.resolve("cut").resolve("allocation.json")));
        final long curves = events.stream().filter(s -> s.startsWith("curves")).count();
        final long sensitivities = events.stream().filter(s -> s.startsWith("sensitivity")).count();
        assertEquals(14, curves, "curves are read back, one event each");
        assertEquals(14 - 4, sensitivities, "the 4 saved groups of 14 (7 types × 2 layers, one group each) are not measured again");
    }

    /** Basis Sharing's refit as a job setting: each group's task refits its members, as the in-process refit does. */
    @Test
    void basisSharingWithRefitIsAJob(@TempDir Path dir) throws IOException {
        final Map<String, String> c = new TreeMap<>(Map.of("method", "basis-sharing", "ratio", "0.4", "iterations", "1", "refit", "true"));
        final JobPlan plan = new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 3, c, "pairs", null);
        final CompressionJob job = CompressionJob.open(JobStore.local(dir), plan);
        job.putWindows(WINDOWS);
        final LlamaModel m = load(2);
        new LocalJobRunner(2, Parallelism.threads(2), null).run(job, m);
        final Map<String, io.github.cospadi.CompressedMatrix> factors = LocalJobRunner.factors(job, m);
        final Map<String, CalibrationStats> grams = job.grams(m.projectionNames());
        final io.github.cospadi.Compressor.Builder b = io.github.cospadi.Compressor.builder().method(io.github.cospadi.Method.BASIS_SHARING).ratio(0.4)
                .iterations(1).parallelism(Parallelism.sequential());
        final Map<String, io.github.cospadi.CompressedMatrix> refit = new io.github.cospadi.models.ModelCompressor(b.refitCoefficients(true).build(), 1, null)
                .compressGroups(m, grams, io.github.cospadi.models.Grouping.pairs(), null);
        final Map<String, io.github.cospadi.CompressedMatrix> plain = new io.github.cospadi.models.ModelCompressor(b.refitCoefficients(false).build(), 1, null)
                .compressGroups(m, grams, io.github.cospadi.models.Grouping.pairs(), null);
        int differ = 0;
        for (String n : m.projectionNames()) {
            assertArrayEquals(refit.get(n).reconstruct().data, factors.get(n).reconstruct().data, n);
            if (!java.util.Arrays.equals(plain.get(n).reconstruct().data, factors.get(n).reconstruct().data)) differ++;
        }
        assertTrue(differ > 0, "the refit changed the shared groups' members");
        final Map<String, String> bad = new TreeMap<>(c);
        bad.put("refit", "yes");
        assertThrows(IllegalArgumentException.class, () -> new JobPlan(model.toString(), "x", 0, "", 0, bad, "pairs", null));
        assertTrue(JobAssembly.description(plan).endsWith(" refit"), JobAssembly.description(plan));
    }
}
