package io.github.cospadi.models.job;

import io.github.cospadi.Budget;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.internal.JsonParser;
import io.github.cospadi.io.CompressedFormat;
import io.github.cospadi.models.CompressibleModel;
import io.github.cospadi.models.GramCapture;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.ProjectionWeights;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.plan.BudgetPlan;
import io.github.cospadi.models.plan.Candidate;
import io.github.cospadi.models.plan.Planner;
import io.github.cospadi.models.plan.Sensitivity;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One compression job in a {@link JobStore}: its {@link JobPlan} and the stages' tasks, each a pure function of the
 * plan and the files of the stage before, whose result is written atomically with its SHA-256 (docs/design.md §13).
 * Any runner (one JVM, {@link LocalJobRunner}; or Spark) calls the same task methods, so the bytes are the same.
 *
 * <p>Layout of the directory:
 * <pre>
 * plan.json                          the plan; a different plan in the same directory is refused
 * manifest.json                      stage, tasks done / total, and when complete the outputs with their SHA-256
 * calibration/windows.bin            the calibration windows (checked against the plan's SHA-256)
 * calibration/groups.json            projection → Gram group (projections fed the same input share one Gram)
 * capture/chunk-NNNNN/GROUP.gram     partial Gram of one chunk of windows (deleted once every group is reduced)
 * grams/GROUP.gram                   the Gram: left fold of the chunks' partials in chunk order
 * planning/curves/PROJECTION.json    an adaptive plan's measured error curves of one projection
 * planning/sensitivity/FIRST.json    the sensitivities of one perturbation group (named by its first member)
 * allocation.json                    an adaptive plan's budget per matrix (BudgetPlan JSON; docs/design.md §12)
 * types.json                         ρ and square orientation per projection type (rho=auto, square=type), with the
 *                                    errors they were chosen by (docs/design.md §4.1)
 * factors/PROJECTION.cspd            the factors of one projection, exact (F32 layout)
 * tasks/ID.json                      a task's record: its files with their SHA-256, time, functional error
 * lock                               a local directory's writer lock, holding the runner's pid ({@link JobStore#lock})
 * </pre>
 * A task is finished when its record exists and every file it lists has that checksum; otherwise (never started,
 * killed before its record, a file damaged) it is redone. Records are written after the files they list.
 *
 * <p>Gram files: magic {@code CSGR}, u32 version 1, u32 d, u64 tokens, then the d × d Gram as f64, row-major,
 * little-endian.
 *
 * <p>Thread-safe: tasks of one stage may run concurrently, each writing only its own files.
 */
public final class CompressionJob {
    private static final byte[] GRAM_MAGIC = "CSGR".getBytes(StandardCharsets.US_ASCII);
    private final JobStore store;
    private final JobPlan plan;
    private final Set<String> verified = ConcurrentHashMap.newKeySet();
    private volatile List<int[]> windows;
    private volatile Map<String, String> groups;
    private volatile Map<String, List<String>> units;
    private volatile BudgetPlan allocation;
    private volatile Compressor uniform;
    private volatile Map<String, TypeChoice> typeChoices;
    private volatile ProjectionWeights typesCheckedFor; // the model typeChoices was last checked to cover
    private final Map<TypeChoice, Compressor> byChoice = new ConcurrentHashMap<>();

    private CompressionJob(JobStore store, JobPlan plan) {
        this.store = store;
        this.plan = plan;
    }

    /**
     * Opens the job directory for {@code plan}: a new one gets the plan, an existing one must hold an equal plan.
     *
     * @throws IllegalArgumentException when the directory holds a different plan, naming every field that differs
     */
    public static CompressionJob open(JobStore store, JobPlan plan) throws IOException {
        if (store.exists("plan.json")) {
            final JobPlan there = read(store);
            final List<String> d = there.differences(plan);
            if (!d.isEmpty()) {
                throw new IllegalArgumentException("job directory " + store.location() + " holds a different plan (" + String.join("; ", d)
                        + "); use another directory, or delete it to start over");
            }
            return new CompressionJob(store, there);
        }
        store.write("plan.json", plan.toJson().getBytes(StandardCharsets.UTF_8));
        final CompressionJob job = new CompressionJob(store, plan);
        job.writeManifest("capture", 0, 0, null);
        return job;
    }

    /** Opens an existing job directory with the plan it holds (as a worker does). */
    public static CompressionJob resume(JobStore store) throws IOException {
        if (!store.exists("plan.json")) throw new IOException("no job in " + store.location() + ": plan.json is missing");
        return new CompressionJob(store, read(store));
    }

    private static JobPlan read(JobStore store) throws IOException {
        return JobPlan.fromJson(new String(store.readAllBytes("plan.json"), StandardCharsets.UTF_8), store.location() + "/plan.json");
    }

    public JobPlan plan() {
        return plan;
    }

    public JobStore store() {
        return store;
    }

    // ---------------------------------------------------------------- stage 1: capture and reduction

    /**
     * Stores the calibration windows (once). They must be the plan's: same count and SHA-256.
     *
     * @throws IllegalArgumentException when they differ from the plan's
     */
    public void putWindows(List<int[]> windows) throws IOException {
        if (plan.windows() == 0) throw new IllegalStateException("the plan's Grams are supplied ready: it has no calibration windows");
        final String digest = JobPlan.windowsDigest(windows);
        if (windows.size() != plan.windows() || !digest.equals(plan.windowsSha256())) {
            throw new IllegalArgumentException("calibration windows: " + windows.size() + " windows with SHA-256 " + digest
                    + ", the plan has " + plan.windows() + " with " + plan.windowsSha256());
        }
        if (!store.exists("calibration/windows.bin")) {
            store.write("calibration/windows.bin", out -> {
                final DataOutputStream d = new DataOutputStream(out);
                d.writeInt(windows.size());
                for (int[] w : windows) {
                    d.writeInt(w.length);
                    for (int t : w) d.writeInt(t);
                }
                d.flush();
            });
        }
        this.windows = List.copyOf(windows);
    }

    /** The windows of capture chunk {@code chunk}: [chunk·chunkWindows, min((chunk+1)·chunkWindows, windows)). */
    public List<int[]> chunkWindows(int chunk) throws IOException {
        checkChunk(chunk);
        final List<int[]> all = windows();
        return all.subList(chunk * plan.chunkWindows(), Math.min(all.size(), (chunk + 1) * plan.chunkWindows()));
    }

    private List<int[]> windows() throws IOException {
        List<int[]> w = windows;
        if (w != null) return w;
        if (!store.exists("calibration/windows.bin")) throw new IllegalStateException("no calibration windows in " + store.location() + " (putWindows first)");
        final List<int[]> out = new ArrayList<>();
        try (DataInputStream d = new DataInputStream(new BufferedInputStream(store.open("calibration/windows.bin")))) {
            final int n = d.readInt();
            if (n != plan.windows()) throw new IOException(store.location() + "/calibration/windows.bin holds " + n + " windows, the plan " + plan.windows());
            for (int i = 0; i < n; i++) {
                final int len = d.readInt();
                if (len < 1 || len > 1 << 24) throw new IOException(store.location() + "/calibration/windows.bin: window " + i + " has length " + len);
                final int[] t = new int[len];
                for (int j = 0; j < len; j++) t[j] = d.readInt();
                out.add(t);
            }
        }
        final String digest = JobPlan.windowsDigest(out);
        if (!digest.equals(plan.windowsSha256())) {
            throw new IOException(store.location() + "/calibration/windows.bin has SHA-256 " + digest + ", the plan " + plan.windowsSha256());
        }
        windows = w = List.copyOf(out);
        return w;
    }

    private void checkChunk(int chunk) {
        if (chunk < 0 || chunk >= plan.chunks()) throw new IllegalArgumentException("chunk must be in [0, " + plan.chunks() + "), got " + chunk);
    }

    private static String chunkId(int chunk) {
        return String.format(java.util.Locale.ROOT, "capture-%05d", chunk);
    }

    /** Whether capture chunk {@code chunk} is finished (its record and partial Grams verified). */
    public boolean captured(int chunk) throws IOException {
        checkChunk(chunk);
        return finished(chunkId(chunk));
    }

    /** Captures chunk {@code chunk}: forward passes over its windows, writing one partial Gram per Gram group. */
    public void capture(CompressibleModel model, int chunk, Parallelism parallelism) throws IOException {
        final long t0 = System.nanoTime();
        final Map<String, CalibrationStats> grams = GramCapture.capture(model, chunkWindows(chunk), parallelism, null);
        final Map<String, String> groupOf = groupsOf(model, grams);
        if (!store.exists("calibration/groups.json")) store.write("calibration/groups.json", MiniJson.write(groupOf).getBytes(StandardCharsets.UTF_8));
        final Map<String, Object> files = new LinkedHashMap<>();
        for (String g : new java.util.LinkedHashSet<>(groupOf.values())) {
            final String name = String.format(java.util.Locale.ROOT, "capture/chunk-%05d/%s.gram", chunk, g);
            files.put(name, writeGram(name, grams.get(g)));
        }
        writeRecord(chunkId(chunk), files, Map.of("seconds", (System.nanoTime() - t0) / 1e9));
    }

    /** Projection → the first projection (in model order) sharing its Gram instance. */
    private static Map<String, String> groupsOf(ProjectionWeights model, Map<String, CalibrationStats> grams) {
        final Map<CalibrationStats, String> first = new IdentityHashMap<>();
        final Map<String, String> out = new LinkedHashMap<>();
        for (Projection p : model.projections()) {
            final CalibrationStats s = grams.get(p.name());
            if (s == null) throw new IllegalArgumentException("no calibration Gram for projection '" + p.name() + "'");
            out.put(p.name(), first.computeIfAbsent(s, k -> p.name()));
        }
        return out;
    }

    /** Projection → Gram group, as captured (or imported). */
    public Map<String, String> groups() throws IOException {
        Map<String, String> g = groups;
        if (g != null) return g;
        if (!store.exists("calibration/groups.json")) throw new IllegalStateException("no Gram groups in " + store.location() + " yet (capture a chunk first)");
        final Map<String, String> out = new LinkedHashMap<>();
        JsonParser.parseExactObject(new String(store.readAllBytes("calibration/groups.json"), StandardCharsets.UTF_8), store.location() + "/calibration/groups.json")
                .forEach((k, v) -> out.put(k, (String) v));
        groups = g = java.util.Collections.unmodifiableMap(out);
        return g;
    }

    /** The distinct Gram groups, in model order. */
    public List<String> gramGroups() throws IOException {
        return new ArrayList<>(new java.util.LinkedHashSet<>(groups().values()));
    }

    /** Whether the Gram of {@code group} is reduced (record and file verified). */
    public boolean reduced(String group) throws IOException {
        return finished("reduce-" + group);
    }

    /** Whether every Gram is ready, so the capture stage can be skipped. */
    public boolean gramsReady() throws IOException {
        if (!store.exists("calibration/groups.json")) return false;
        for (String g : gramGroups()) if (!reduced(g)) return false;
        return true;
    }

    /**
     * Reduces the Gram of {@code group}: the left fold of every chunk's partial, in chunk order (a function of the plan
     * alone), written to {@code grams/GROUP.gram}.
     *
     * @throws IllegalStateException when a chunk is not captured
     */
    public void reduce(String group) throws IOException {
        final long t0 = System.nanoTime();
        CalibrationStats total = null;
        for (int c = 0; c < plan.chunks(); c++) {
            if (!captured(c)) throw new IllegalStateException("cannot reduce '" + group + "': capture chunk " + c + " is not finished");
            final CalibrationStats s = readGram(String.format(java.util.Locale.ROOT, "capture/chunk-%05d/%s.gram", c, group));
            total = total == null ? s : total.merge(s);
        }
        final String name = "grams/" + group + ".gram";
        writeRecord("reduce-" + group, Map.of(name, writeGram(name, total)), Map.of("seconds", (System.nanoTime() - t0) / 1e9));
    }

    /** Deletes the chunks' partial Grams once every Gram is reduced (they are only needed to redo a reduction). */
    public void deletePartials() throws IOException {
        if (gramsReady()) store.delete("capture");
    }

    /** Stores ready Grams (by projection name; shared instances form one group) in place of the capture stage. */
    public void importGrams(ProjectionWeights model, Map<String, CalibrationStats> grams) throws IOException {
        if (plan.windows() != 0) throw new IllegalStateException("the plan captures its Grams from " + plan.windows() + " windows; it imports none");
        final Map<String, String> groupOf = groupsOf(model, grams);
        if (!store.exists("calibration/groups.json")) store.write("calibration/groups.json", MiniJson.write(groupOf).getBytes(StandardCharsets.UTF_8));
        if (!groups().equals(groupOf)) throw new IllegalArgumentException("the supplied Grams share inputs differently from the job's groups");
        for (String g : gramGroups()) {
            if (reduced(g)) continue;
            final String name = "grams/" + g + ".gram";
            writeRecord("reduce-" + g, Map.of(name, writeGram(name, grams.get(g))), Map.of("seconds", 0.0));
        }
    }

    /** The Grams of {@code projections} (one instance per group), read from the reduced files. */
    public Map<String, CalibrationStats> grams(Collection<String> projections) throws IOException {
        final Map<String, CalibrationStats> byGroup = new LinkedHashMap<>();
        final Map<String, CalibrationStats> out = new LinkedHashMap<>();
        for (String p : projections) {
            final String g = groups().get(p);
            if (g == null) throw new IllegalArgumentException("the job has no Gram for projection '" + p + "'");
            CalibrationStats s = byGroup.get(g);
            if (s == null) {
                if (!reduced(g)) throw new IllegalStateException("the Gram of '" + g + "' is not reduced yet");
                byGroup.put(g, s = readGram("grams/" + g + ".gram"));
            }
            out.put(p, s);
        }
        return out;
    }

    // ---------------------------------------------------------------- stage 1b: the adaptive allocation

    /**
     * Plans the adaptive allocation (docs/design.md §12) from the job's Grams and {@code windows}, the evenly spaced
     * sample of calibration windows the sensitivities are measured on (their SHA-256 must be the plan's {@code
     * sensitivity-sha256}), and writes it to {@code allocation.json} as the task {@code allocate}. It needs the whole
     * model (forward passes), so it runs on one machine; its result is a pure function of the plan, the Grams and the
     * windows, whatever {@code workers}.
     *
     * @throws IllegalStateException    when the plan is not adaptive or a Gram is not reduced yet
     * @throws IllegalArgumentException when the windows are not the plan's
     */
    public Planner.Result allocate(LlamaModel model, List<int[]> windows, int workers, Planner.Progress progress) throws IOException {
        return allocate(model, windows, workers, progress, null);
    }

    /**
     * As {@link #allocate(LlamaModel, List, int, Planner.Progress)}, with saved sensitivities instead of measuring them
     * when the plan names a file ({@code sensitivities-sha256}): {@code known} must be that file (same SHA-256) and
     * hold every projection of the model.
     *
     * @throws IllegalArgumentException when {@code known} is missing, another file, or not this model's
     */
    public Planner.Result allocate(LlamaModel model, List<int[]> windows, int workers, Planner.Progress progress, Sensitivity.Saved known)
            throws IOException {
        if (!plan.adaptive()) throw new IllegalStateException("the plan allocates uniformly (compressor allocation=uniform): nothing to plan");
        final String wanted = plan.compressor().get("sensitivities-sha256");
        if (wanted == null ? known != null : known == null || !wanted.equals(known.sha256())) {
            throw new IllegalArgumentException("sensitivities: the plan " + (wanted == null ? "measures them, but a file was given"
                    : "uses the file with SHA-256 " + wanted + ", " + (known == null ? "but none was given" : "given " + known.sha256())));
        }
        final String digest = JobPlan.windowsDigest(windows);
        if (!digest.equals(plan.compressor().get("sensitivity-sha256"))) {
            throw new IllegalArgumentException("sensitivity windows: " + windows.size() + " windows with SHA-256 " + digest + ", the plan has "
                    + plan.compressor().get("sensitivity-windows") + " with " + plan.compressor().get("sensitivity-sha256"));
        }
        final Map<String, CalibrationStats> g = grams(model.projectionNames());
        final double ratio = plan.real("ratio"), rho = plan.real("rho");
        final boolean cospadi = plan.compressor().get("method").equals("cospadi");
        final Compressor probe = cospadi ? plan.builder().ratio(ratio).atomsPerNonzero(rho).iterations(plan.integer("probe-iterations")).build() : null;
        final long t0 = System.nanoTime();
        final Planner.Result r = Planner.plan(model, g, ratio, probe, rho, !cospadi, windows, workers, progress, plan.real("spread"),
                plan.integer("bands"), Sensitivity.Measure.parse(plan.compressor().get("sensitivity")),
                known == null ? null : known.resultsFor(model.projections(), "sensitivities " + known.sha256()), new PlanningCheckpoint());
        final byte[] bytes = (r.plan().toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        store.write("allocation.json", bytes);
        final Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("seconds", (System.nanoTime() - t0) / 1e9);
        extra.put("curves_seconds", r.curvesSeconds());
        extra.put("sensitivity_seconds", r.sensitivitySeconds());
        extra.put("predicted_loss", r.plan().predictedLoss());
        extra.put("achieved_ratio", r.plan().achievedRatio());
        writeRecord("allocate", Map.of("allocation.json", Checksums.of(bytes)), extra);
        allocation = r.plan();
        return r;
    }

    /**
     * The planning's finished steps in the job directory (docs/design.md §13, stage 2b): {@code planning/curves/NAME.json}
     * (a projection's measured curves, task {@code curves-NAME}) and {@code planning/sensitivity/FIRST.json} (a
     * perturbation group's results, task {@code sensitivity-FIRST}), each written atomically with its record, so a
     * planning killed half way resumes from its last finished step.
     */
    private final class PlanningCheckpoint implements Planner.Checkpoint {
        @Override
        public io.github.cospadi.models.plan.ErrorCurves savedCurves(String projection) {
            final String id = "curves-" + projection, file = "planning/curves/" + projection + ".json";
            try {
                if (!finished(id)) return null;
                return io.github.cospadi.models.plan.ErrorCurves.fromJson(new String(store.readAllBytes(file), StandardCharsets.UTF_8), store.location() + "/" + file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void saveCurves(String projection, io.github.cospadi.models.plan.ErrorCurves curves) {
            save("curves-" + projection, "planning/curves/" + projection + ".json", curves.toJson());
        }

        @Override
        public Map<String, Sensitivity.Result> savedGroup(String group) {
            final String id = "sensitivity-" + group, file = "planning/sensitivity/" + group + ".json";
            try {
                if (!finished(id)) return null;
                return Sensitivity.fromJson(store.readAllBytes(file), store.location() + "/" + file).results();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void saveGroup(String group, Map<String, Sensitivity.Result> members) {
            save("sensitivity-" + group, "planning/sensitivity/" + group + ".json", Sensitivity.toJson(Map.of(), members));
        }

        private void save(String id, String file, String json) {
            final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            try {
                store.write(file, bytes);
                writeRecord(id, Map.of(file, Checksums.of(bytes)), Map.of());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("saving " + file, e);
            }
        }
    }

    // ---------------------------------------------------------------- stage 1c: settings per projection type

    /**
     * The ρ = k/s a {@code rho=auto} plan tries on each projection type, in order; a tie goes to the earlier one. The
     * paper's 2 first: docs/benchmarks.md §16.2 measured 2.5 best on SmolLM2's MLP and v projections at γ = 0.3 and
     * 3 on some at γ = 0.4, 2 on k_proj and at γ = 0.2.
     */
    public static final List<Double> RHO_CANDIDATES = List.of(2.0, 2.5, 3.0);
    /**
     * The trials of {@link #chooseTypes} run the plan's schedule with at most this many iterations (a 60-iteration plan
     * on a 4-layer model would otherwise spend three quarters of its time choosing).
     */
    public static final int TRIAL_ITERATIONS = 8;

    /**
     * What the job chose for one projection type (docs/design.md §4.1): ρ = k/s, and for a square type of a
     * {@code square=type} plan the side AUTO compresses it on ({@code INPUT} or {@code OUTPUT}); null where the plan
     * decides (by shape, or its {@code square}).
     */
    public record TypeChoice(double rho, io.github.cospadi.common.Orientation orientation) {
        public TypeChoice {
            if (!(rho >= 1) || !Double.isFinite(rho)) throw new IllegalArgumentException("rho must be a finite number >= 1, got " + rho);
            if (orientation == io.github.cospadi.common.Orientation.AUTO) throw new IllegalArgumentException("orientation must be INPUT, OUTPUT or null, got AUTO");
        }

        @Override
        public String toString() {
            return "rho=" + rho + (orientation == null ? "" : " " + orientation.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * A projection's type: its name with every dot-delimited integer (the layer index) replaced by {@code *}, e.g.
     * {@code model.layers.*.mlp.down_proj}. The projections of one type share a shape and a role.
     */
    public static String projectionType(String projection) {
        return projection.replaceAll("(?<=^|\\.)\\d+(?=\\.|$)", "*");
    }

    /**
     * Chooses the settings of every projection type of a plan that leaves them to the job ({@link JobPlan#choosesPerType},
     * docs/design.md §4.1), by trial compressions with the plan's compressor and at most {@link #TRIAL_ITERATIONS}
     * iterations. ρ: each type's representative, its middle member in model order, is compressed with {@code rho=auto}
     * at every candidate of {@link #RHO_CANDIDATES} whose dictionary is not overcomplete on the matrix's smaller side
     * (k ≤ min(d1, d2); ρ = 2 is always tried), else at the plan's ρ; the type takes the ρ of the lowest functional
     * error (ties: the earlier candidate). The side of a square type of a {@code square=type} plan: its representative
     * is compressed on both sides at each candidate (the lower of the two counts for ρ), then its members at a quarter
     * and three quarters of the depth on both sides at the chosen ρ, and the type takes the side of the lower sum of
     * their errors (ties: INPUT). A type with nothing to choose (a fixed ρ and not square under {@code square=type}) gets
     * the plan's ρ without a trial. Written to {@code types.json} as the task {@code choose-types}; a pure function of
     * the plan and the Grams, whatever {@code workers}. When the trials ran the plan's own iterations, a tried member's
     * trial at its type's choice is its task's result and is written as such (its task is then finished). Returns the
     * choices by type (read back when chosen before).
     *
     * @throws IllegalStateException when the plan chooses nothing per type or a tried member's Gram is not reduced
     * @throws java.util.concurrent.CancellationException when {@code progress} cancels
     */
    public Map<String, TypeChoice> chooseTypes(ProjectionWeights model, int workers, ProgressListener progress) throws IOException {
        if (!plan.choosesPerType()) throw new IllegalStateException("the plan fixes rho and the square orientation (no rho=auto, no square=type): nothing to choose");
        if (typesChosen()) return typeChoices(model);
        final Map<String, List<Projection>> byType = new LinkedHashMap<>();
        for (Projection p : model.projections()) byType.computeIfAbsent(projectionType(p.name()), t -> new ArrayList<>()).add(p);
        final List<String> types = new ArrayList<>(byType.keySet());
        final int nt = types.size();
        final double ratio = plan.real("ratio");
        final List<Double> candidates = rhoCandidates();
        final io.github.cospadi.common.Orientation input = io.github.cospadi.common.Orientation.INPUT, output = io.github.cospadi.common.Orientation.OUTPUT;
        final boolean[] chooseSide = new boolean[nt], tried = new boolean[nt];
        final List<Trial> first = new ArrayList<>();
        for (int t = 0; t < nt; t++) {
            final List<Projection> members = byType.get(types.get(t));
            final Projection p = members.get(members.size() / 2);
            chooseSide[t] = choosesSide(p);
            tried[t] = plan.rhoAuto() || chooseSide[t];
            if (!tried[t]) continue; // nothing to choose: the plan's ρ, no trial
            for (int c = 0; c < candidates.size(); c++) {
                if (c > 0 && !fits(p, ratio, candidates.get(c))) continue;
                if (chooseSide[t]) {
                    first.add(new Trial(t, p, c, input));
                    first.add(new Trial(t, p, c, output));
                } else {
                    first.add(new Trial(t, p, c, null));
                }
            }
        }
        final int trialIterations = Math.min(plan.integer("iterations"), TRIAL_ITERATIONS);
        final boolean reuse = trialIterations == plan.integer("iterations");
        final long t0 = System.nanoTime();
        final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        // stage one: ρ on the representatives. With reuse each (type, side) keeps its best trial so far (lower error, then
        // the earlier candidate), so a large model holds at most two trials' factors per type
        final Map<Trial, Double> errors = new ConcurrentHashMap<>();
        final Map<List<Integer>, Trial> bestBySide = new LinkedHashMap<>();
        final Map<Trial, CompressedMatrix> kept = new LinkedHashMap<>();
        runTrials(model, first, candidates, trialIterations, workers, progress, t0, done, first.size(), (trial, result) -> {
            final double e = result.report().functionalError();
            errors.put(trial, e);
            if (!reuse) return;
            final List<Integer> key = List.of(trial.type(), trial.side() == null ? -1 : trial.side().ordinal());
            final Trial best = bestBySide.get(key);
            if (best == null || e < errors.get(best) || (e == errors.get(best) && trial.candidate() < best.candidate())) {
                if (best != null) kept.remove(best);
                bestBySide.put(key, trial);
                kept.put(trial, result);
            }
        });
        final int[] bestRho = new int[nt];
        for (int t = 0; t < nt; t++) {
            if (!tried[t]) continue;
            double best = Double.POSITIVE_INFINITY;
            for (Trial x : first) {
                if (x.type() != t) continue;
                final double e = errors.get(x);
                if (e < best || (e == best && x.candidate() < bestRho[t])) {
                    best = e;
                    bestRho[t] = x.candidate();
                }
            }
        }
        // stage two: a square type's side, on the members at a quarter and three quarters of the depth as well
        final List<Trial> second = new ArrayList<>();
        for (int t = 0; t < nt; t++) {
            if (!chooseSide[t]) continue;
            final List<Projection> members = byType.get(types.get(t));
            final java.util.Set<Integer> at = new java.util.TreeSet<>(List.of(members.size() / 4, (3 * members.size()) / 4));
            at.remove(members.size() / 2);
            for (int m : at) {
                second.add(new Trial(t, members.get(m), bestRho[t], input));
                second.add(new Trial(t, members.get(m), bestRho[t], output));
            }
        }
        // (with reuse both sides of the two extra members are kept until the side is known: four more per square type)
        runTrials(model, second, candidates, trialIterations, workers, progress, t0, done, first.size() + second.size(), (trial, result) -> {
            errors.put(trial, result.report().functionalError());
            if (reuse) kept.put(trial, result);
        });
        final List<Object> entries = new ArrayList<>();
        final Map<String, TypeChoice> chosen = new LinkedHashMap<>();
        for (int t = 0; t < nt; t++) {
            io.github.cospadi.common.Orientation side = null;
            final Map<String, Object> sums = new LinkedHashMap<>();
            if (chooseSide[t]) {
                double in = 0, out = 0;
                for (List<Trial> phase : List.of(first, second)) { // in list order: the sums' bits depend on the plan only
                    for (Trial x : phase) {
                        if (x.type() != t || x.candidate() != bestRho[t]) continue;
                        if (x.side() == input) in += errors.get(x);
                        else out += errors.get(x);
                    }
                }
                side = out < in ? output : input;
                sums.put("input", in);
                sums.put("output", out);
            }
            final TypeChoice choice = new TypeChoice(candidates.get(bestRho[t]), side);
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", types.get(t));
            entry.put("rho", choice.rho());
            if (side != null) entry.put("orientation", side.name().toLowerCase(java.util.Locale.ROOT));
            if (tried[t]) {
                final List<Object> list = new ArrayList<>();
                for (List<Trial> phase : List.of(first, second)) {
                    for (Trial x : phase) {
                        if (x.type() != t) continue;
                        final Map<String, Object> m = new LinkedHashMap<>(); // in this order: the file's bytes are the plan's
                        m.put("projection", x.member().name());
                        m.put("rho", candidates.get(x.candidate()));
                        if (x.side() != null) m.put("orientation", x.side().name().toLowerCase(java.util.Locale.ROOT));
                        m.put("functional_error", errors.get(x));
                        list.add(m);
                    }
                }
                entry.put("trials", list);
                if (side != null) entry.put("functional_error_sums", sums);
            }
            entries.add(entry);
            chosen.put(types.get(t), choice);
        }
        final byte[] bytes = (MiniJson.write(Map.of("types", entries)) + "\n").getBytes(StandardCharsets.UTF_8);
        store.write("types.json", bytes);
        writeRecord("choose-types", Map.of("types.json", Checksums.of(bytes)), Map.of("seconds", (System.nanoTime() - t0) / 1e9));
        typeChoices = java.util.Collections.unmodifiableMap(chosen);
        // a trial at its type's choice is what the member's task computes (the same compressor and inputs): keep it
        for (Map.Entry<Trial, CompressedMatrix> e : kept.entrySet()) {
            final Trial x = e.getKey();
            final TypeChoice c = chosen.get(types.get(x.type()));
            if (x.candidate() == bestRho[x.type()] && x.side() == c.orientation() && !compressed(x.member().name())) writeFactors(x.member().name(), e.getValue());
        }
        return typeChoices;
    }

    /** One trial of {@link #chooseTypes}: a member of a type at a candidate ρ, on a side (null: the plan's AUTO). */
    private record Trial(int type, Projection member, int candidate, io.github.cospadi.common.Orientation side) {}

    /** Runs trials on up to {@code workers} threads, the largest matrices first, reporting each to {@code sink} (serialized). */
    private void runTrials(ProjectionWeights model, List<Trial> trials, List<Double> candidates, int iterations, int workers, ProgressListener progress, long t0,
                           java.util.concurrent.atomic.AtomicInteger done, int total,
                           java.util.function.BiConsumer<Trial, CompressedMatrix> sink) throws IOException {
        if (trials.isEmpty()) return;
        final List<Trial> order = new ArrayList<>(trials);
        order.sort(Comparator.comparingLong((Trial x) -> -(long) x.member().outFeatures() * x.member().inFeatures()));
        final List<String> names = new ArrayList<>();
        for (Trial x : order) if (!names.contains(x.member().name())) names.add(x.member().name());
        final Map<String, CalibrationStats> g = grams(names);
        final Map<String, FMatrixRMaj> weights = new LinkedHashMap<>();
        for (String n : names) weights.put(n, model.weight(n));
        Parallelism.threads(Math.max(1, Math.min(workers, order.size()))).forEachBlock(order.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                final Trial x = order.get(i);
                final String n = x.member().name();
                final CompressedMatrix result = at(new TypeChoice(candidates.get(x.candidate()), x.side()), iterations).compress(weights.get(n), g.get(n));
                synchronized (sink) {
                    sink.accept(x, result);
                }
                final ProgressEvent event = new ProgressEvent("choose-types", done.incrementAndGet(), total, result.report().functionalError(),
                        java.time.Duration.ofNanos(System.nanoTime() - t0), n + " rho=" + candidates.get(x.candidate())
                        + (x.side() == null ? "" : " " + x.side().name().toLowerCase(java.util.Locale.ROOT)));
                progress.onProgress(event);
                if (event.isCancelled() || Thread.currentThread().isInterrupted()) throw new java.util.concurrent.CancellationException("choosing per type cancelled");
            }
        });
    }

    /**
     * The plan's compressor with a type's choice and {@code iterations}: the tasks' (with the plan's iterations) and the
     * trials' of {@link #chooseTypes} (orientation null: the plan's AUTO, both ways on a square matrix under
     * {@code square=type}), one construction so that a trial with the plan's iterations is its task's compression.
     */
    private Compressor at(TypeChoice choice, int iterations) {
        final Compressor.Builder b = plan.builder().ratio(plan.real("ratio")).atomsPerNonzero(choice.rho()).iterations(iterations);
        if (choice.orientation() != null) b.squareOrientation(choice.orientation());
        return b.build();
    }

    /** Whether candidate ρ leaves the dictionary no larger than the projection's smaller side (AUTO's side). */
    private static boolean fits(Projection p, double ratio, double rho) {
        final int small = Math.min(p.outFeatures(), p.inFeatures()), large = Math.max(p.outFeatures(), p.inFeatures());
        try {
            return Budget.forRatio(small, large, ratio, rho, Budget.Accounting.EFFECTIVE).atoms() <= small;
        } catch (IllegalArgumentException e) {
            return false; // no room at this ρ
        }
    }

    /** Whether the settings per projection type ({@link #chooseTypes}) are written and verified. */
    public boolean typesChosen() throws IOException {
        return finished("choose-types");
    }

    /**
     * The settings per projection type as stored in {@code types.json}, checked against the plan and to cover every type
     * of the model.
     *
     * @throws IllegalStateException when they are not chosen yet, or do not match the plan or the model
     */
    @SuppressWarnings("unchecked")
    public Map<String, TypeChoice> typeChoices(ProjectionWeights model) throws IOException {
        Map<String, TypeChoice> r = typeChoices;
        if (r == null) {
            if (!typesChosen()) throw new IllegalStateException("the settings per projection type of " + store.location() + " are not chosen yet");
            final String file = store.location() + "/types.json";
            final Map<String, Object> m = JsonParser.parseExactObject(new String(store.readAllBytes("types.json"), StandardCharsets.UTF_8), file);
            final Map<String, TypeChoice> out = new LinkedHashMap<>();
            if (!(m.get("types") instanceof List)) throw new IllegalStateException(file + ": no list 'types'");
            final List<Double> candidates = rhoCandidates();
            for (Object o : (List<Object>) m.get("types")) {
                if (!(o instanceof Map) || !(((Map<String, Object>) o).get("type") instanceof String) || !(((Map<String, Object>) o).get("rho") instanceof Number)) {
                    throw new IllegalStateException(file + ": every entry of 'types' needs a string 'type' and a number 'rho', got " + o);
                }
                final Map<String, Object> e = (Map<String, Object>) o;
                final double rho = ((Number) e.get("rho")).doubleValue();
                if (!candidates.contains(rho)) throw new IllegalStateException(file + ": rho must be one of " + candidates + ", got " + rho);
                final Object side = e.get("orientation");
                io.github.cospadi.common.Orientation orientation = null;
                if (side != null) {
                    if (!plan.squareByType() || !("input".equals(side) || "output".equals(side))) {
                        throw new IllegalStateException(file + ": orientation must be input or output, and only under square=type; got " + side);
                    }
                    orientation = "input".equals(side) ? io.github.cospadi.common.Orientation.INPUT : io.github.cospadi.common.Orientation.OUTPUT;
                }
                out.put((String) e.get("type"), new TypeChoice(rho, orientation));
            }
            typeChoices = r = java.util.Collections.unmodifiableMap(out);
        }
        if (typesCheckedFor != model) { // once per model, not on every task's compressor
            for (Projection p : model.projections()) {
                final TypeChoice c = r.get(projectionType(p.name()));
                if (c == null) throw new IllegalStateException(store.location() + "/types.json has no entry for projection type '" + projectionType(p.name()) + "'");
                if (choosesSide(p) && c.orientation() == null) {
                    throw new IllegalStateException(store.location() + "/types.json gives the square projection type '" + projectionType(p.name()) + "' no orientation");
                }
            }
            typesCheckedFor = model;
        }
        return r;
    }

    /** The ρ = k/s the choice per type may take: {@link #RHO_CANDIDATES} under {@code rho=auto}, else the plan's. */
    private List<Double> rhoCandidates() {
        return plan.rhoAuto() ? RHO_CANDIDATES : List.of(plan.fixedRho());
    }

    /** Whether the job chooses the side of {@code p}'s type: a square projection under {@code square=type}. */
    private boolean choosesSide(Projection p) {
        return plan.squareByType() && p.outFeatures() == p.inFeatures();
    }

    /** Whether the adaptive allocation is written and verified. */
    public boolean allocated() throws IOException {
        return finished("allocate");
    }

    /**
     * The adaptive allocation as stored ({@link BudgetPlan#fromJson}: each matrix's chosen candidate), checked against
     * the model's projections.
     *
     * @throws IllegalStateException when it is not written yet
     */
    public BudgetPlan allocation(ProjectionWeights model) throws IOException {
        BudgetPlan a = allocation;
        if (a != null) return a; // planned by this job (from the model) or read and checked before
        if (!allocated()) throw new IllegalStateException("the adaptive allocation of " + store.location() + " is not planned yet");
        a = BudgetPlan.fromJson(new String(store.readAllBytes("allocation.json"), StandardCharsets.UTF_8), store.location() + "/allocation.json");
        final Map<String, Candidate> choices = a.choices();
        for (Projection p : model.projections()) {
            if (!choices.containsKey(p.name())) throw new IllegalStateException(store.location() + "/allocation.json has no entry for projection '" + p.name() + "'");
        }
        allocation = a;
        return a;
    }

    /**
     * The compressor of {@code task}: the plan's ({@link JobPlan#buildCompressor}) when it allocates uniformly; with an
     * adaptive allocation the matrix's own — CoSpaDi with its k, s and orientation on the plan's schedule, or SVD-LLM at
     * its rank — and null for a matrix the allocation keeps dense.
     */
    public Compressor compressor(ProjectionWeights model, String task) throws IOException {
        if (plan.choosesPerType()) {
            final TypeChoice choice = typeChoices(model).get(projectionType(members(model, task).get(0)));
            return byChoice.computeIfAbsent(choice, c -> at(c, plan.integer("iterations")));
        }
        if (!plan.adaptive()) {
            Compressor c = uniform;
            if (c == null) uniform = c = plan.buildCompressor();
            return c;
        }
        final Candidate c = allocation(model).choices().get(members(model, task).get(0));
        switch (c.kind()) {
            case COSPADI:
                return plan.builder().method(io.github.cospadi.Method.COSPADI).atoms(c.atoms()).nonzerosPerColumn(c.nonzerosPerColumn())
                        .orientation(c.orientation()).build();
            case SVD_LLM:
                return Compressor.builder().method(io.github.cospadi.Method.SVD_LLM).rank(c.atoms()).parallelism(Parallelism.sequential()).build();
            default:
                return null;
        }
    }

    /** Whether an adaptive allocation keeps {@code task}'s projection dense (it has no factors). */
    public boolean keptDense(ProjectionWeights model, String task) throws IOException {
        return plan.adaptive() && allocation(model).choices().get(members(model, task).get(0)).kind() == Candidate.Kind.DENSE;
    }

    /** The projections an adaptive allocation keeps dense (none for a uniform plan). */
    public Set<String> keptDense(ProjectionWeights model) throws IOException {
        final Set<String> out = new java.util.TreeSet<>();
        if (!plan.adaptive()) return out;
        for (BudgetPlan.Entry e : allocation(model).entries()) if (e.chosen().kind() == Candidate.Kind.DENSE) out.add(e.options().name());
        return out;
    }

    /** Records a task the allocation keeps dense as finished, with no files. */
    public void writeKeptDense(ProjectionWeights model, String task) throws IOException {
        if (!keptDense(model, task)) throw new IllegalStateException("task '" + task + "' is not kept dense by the allocation");
        writeRecord("compress-" + task, Map.of(), Map.of("seconds", 0.0, "dense", true));
    }

    // ---------------------------------------------------------------- stage 2: compression

    /**
     * The compression tasks, one per unit of the plan's grouping — a projection alone (its task is its name) or a group
     * sharing one dictionary (its task is {@code FIRST+N}, the first member's name and the number of the others) —
     * largest total weight first, ties in model order.
     */
    public List<String> compressionTasks(ProjectionWeights model) {
        return new ArrayList<>(units(model).keySet());
    }

    /** Task → its projections (one, or a group's members in order), in {@link #compressionTasks} order. */
    public Map<String, List<String>> units(ProjectionWeights model) {
        Map<String, List<String>> u = units;
        if (u != null) return u;
        final List<List<String>> groups = new ArrayList<>(plan.groups().groups(model));
        final Map<String, Long> size = new java.util.HashMap<>();
        for (Projection p : model.projections()) size.put(p.name(), (long) p.outFeatures() * p.inFeatures());
        groups.sort(Comparator.comparingLong((List<String> g) -> {
            long total = 0;
            for (String n : g) total += size.get(n);
            return -total;
        }));
        final Map<String, List<String>> out = new LinkedHashMap<>();
        for (List<String> g : groups) out.put(g.size() == 1 ? g.get(0) : g.get(0) + "+" + (g.size() - 1), List.copyOf(g));
        units = u = java.util.Collections.unmodifiableMap(out);
        return u;
    }

    private List<String> members(ProjectionWeights model, String task) {
        final List<String> m = units(model).get(task);
        if (m == null) throw new IllegalArgumentException("the job has no compression task '" + task + "'");
        return m;
    }

    /** Whether the factors of {@code task} are written and verified. */
    public boolean compressed(String task) throws IOException {
        return finished("compress-" + task);
    }

    /**
     * Compresses one task with the plan's compressor and writes its factors (a worker's whole task): a projection by
     * {@link Compressor#compress}, a group by {@link Compressor#compressGroup}. Reads only the task's weights from
     * {@code model} (a loaded model, or {@link io.github.cospadi.models.Models#weights} reading them from the file).
     * Returns the factors by projection.
     */
    public Map<String, CompressedMatrix> compress(ProjectionWeights model, Compressor compressor, String task) throws IOException {
        final List<String> names = members(model, task);
        final Map<String, CalibrationStats> g = grams(names);
        final List<CompressedMatrix> factors = io.github.cospadi.models.ModelCompressor.compressUnit(compressor, model, names, g);
        writeFactors(task, names, factors);
        final Map<String, CompressedMatrix> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) out.put(names.get(i), factors.get(i));
        return out;
    }

    /**
     * Compresses one task with its own compressor ({@link #compressor}) and writes its factors; a task the adaptive
     * allocation keeps dense is recorded as finished with no files. Returns the factors by projection (none for a dense
     * one).
     */
    public Map<String, CompressedMatrix> compress(ProjectionWeights model, String task) throws IOException {
        final Compressor c = compressor(model, task);
        if (c == null) {
            writeKeptDense(model, task);
            return Map.of();
        }
        return compress(model, c, task);
    }

    /** Writes the factors of a task of one projection (exact, F32 layout) and then its record. */
    public void writeFactors(String task, CompressedMatrix c) throws IOException {
        writeFactors(task, List.of(task), List.of(c));
    }

    /**
     * Writes the factors of {@code task}'s projections {@code names} into one file (exact, F32 layout; a group's shared
     * dictionary stored once) and then its record: time, the members' mean functional error and their count.
     */
    public void writeFactors(String task, List<String> names, List<CompressedMatrix> factors) throws IOException {
        if (names.size() != factors.size() || names.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "': " + names.size() + " names for " + factors.size() + " factors");
        }
        final Map<String, CompressedMatrix> entries = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) entries.put(names.get(i), factors.get(i));
        final Path tmp = Files.createTempFile("cospadi-task", ".cspd");
        final byte[] bytes;
        try {
            CompressedFormat.write(tmp, entries, CompressedFormat.Precision.F32);
            bytes = Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        final String name = "factors/" + task + ".cspd";
        store.write(name, bytes);
        double seconds = 0, error = 0;
        for (CompressedMatrix c : factors) {
            seconds = Math.max(seconds, c.report() == null ? 0.0 : c.report().totalSeconds());
            error += c.report() == null ? Double.NaN : c.report().functionalError();
        }
        final Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("seconds", seconds);
        extra.put("functional_error", error / factors.size());
        if (factors.size() == 1) {
            extra.put("shape", factors.get(0).outFeatures() + "x" + factors.get(0).inFeatures());
        } else {
            extra.put("members", factors.size());
        }
        writeRecord("compress-" + task, Map.of(name, Checksums.of(bytes)), extra);
    }

    /** The factors of a finished task by projection, as written (their reports are null: reports are not stored). */
    public Map<String, CompressedMatrix> taskFactors(String task) throws IOException {
        if (!compressed(task)) throw new IllegalStateException("task '" + task + "' is not finished");
        final Path tmp = Files.createTempFile("cospadi-task", ".cspd");
        try {
            Files.write(tmp, store.readAllBytes("factors/" + task + ".cspd"));
            return CompressedFormat.read(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A finished task's record value ({@code seconds}, {@code functional_error}) as a number. */
    public double recordValue(String taskId, String key) throws IOException {
        final Object v = JsonParser.parseExactObject(new String(store.readAllBytes("tasks/" + taskId + ".json"), StandardCharsets.UTF_8), taskId).get(key);
        return v instanceof BigDecimal ? ((BigDecimal) v).doubleValue() : Double.NaN;
    }

    // ---------------------------------------------------------------- manifest

    /**
     * Rewrites {@code manifest.json}: the current stage, tasks done / total of the compression stage and, when
     * {@code outputs} is non-null, the job as complete with the assembly's outputs and their SHA-256.
     */
    public void writeManifest(String stage, int done, int total, Map<String, String> outputs) throws IOException {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("plan_sha256", Checksums.of(plan.toJson().getBytes(StandardCharsets.UTF_8)));
        m.put("stage", stage);
        m.put("tasks_done", done);
        m.put("tasks_total", total);
        m.put("complete", outputs != null);
        if (outputs != null) m.put("outputs", new TreeMap<>(outputs));
        store.write("manifest.json", MiniJson.write(m).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the manifest says the job is complete (assembly done). */
    public boolean complete() throws IOException {
        if (!store.exists("manifest.json")) return false;
        return Boolean.TRUE.equals(JsonParser.parseExactObject(new String(store.readAllBytes("manifest.json"), StandardCharsets.UTF_8), "manifest.json").get("complete"));
    }

    // ---------------------------------------------------------------- task records

    private void writeRecord(String id, Map<String, Object> files, Map<String, Object> extra) throws IOException {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", id);
        m.put("files", new TreeMap<>(files));
        m.putAll(extra);
        store.write("tasks/" + id + ".json", MiniJson.write(m).getBytes(StandardCharsets.UTF_8));
        verified.add(id);
    }

    /** Whether the task's record exists and each of its files has the recorded SHA-256 (checked once per process). */
    @SuppressWarnings("unchecked")
    private boolean finished(String id) throws IOException {
        if (verified.contains(id)) return true;
        final String record = "tasks/" + id + ".json";
        if (!store.exists(record)) return false;
        final Map<String, Object> m;
        try {
            m = JsonParser.parseExactObject(new String(store.readAllBytes(record), StandardCharsets.UTF_8), record);
        } catch (IllegalArgumentException e) {
            return false; // unreadable record: redo the task
        }
        if (!(m.get("files") instanceof Map)) return false;
        for (Map.Entry<String, Object> f : ((Map<String, Object>) m.get("files")).entrySet()) {
            if (!store.exists(f.getKey())) return false;
            try (InputStream in = store.open(f.getKey())) {
                if (!Checksums.of(in).equals(f.getValue())) return false;
            }
        }
        verified.add(id);
        return true;
    }

    // ---------------------------------------------------------------- Gram files

    private String writeGram(String name, CalibrationStats s) throws IOException {
        final MessageDigest md = Checksums.sha256();
        store.write(name, out -> {
            final OutputStream d = new DigestOutputStream(out, md);
            final DMatrixRMaj g = s.gramView();
            final ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            b.put(GRAM_MAGIC).putInt(1).putInt(g.numRows).putLong(s.tokens());
            for (double v : g.data) {
                if (b.remaining() < 8) {
                    d.write(b.array(), 0, b.position());
                    b.clear();
                }
                b.putDouble(v);
            }
            d.write(b.array(), 0, b.position());
            d.flush();
        });
        return Checksums.hex(md.digest());
    }

    private CalibrationStats readGram(String name) throws IOException {
        try (InputStream in = new BufferedInputStream(store.open(name), 1 << 16)) {
            final ByteBuffer h = ByteBuffer.wrap(in.readNBytes(20)).order(ByteOrder.LITTLE_ENDIAN);
            if (h.capacity() < 20) throw new IOException(store.location() + "/" + name + ": truncated Gram file");
            final byte[] magic = new byte[4];
            h.get(magic);
            if (!java.util.Arrays.equals(magic, GRAM_MAGIC) || h.getInt() != 1) throw new IOException(store.location() + "/" + name + ": not a Gram file (version 1)");
            final int d = h.getInt();
            final long tokens = h.getLong();
            if (d < 1 || (long) d * d > Integer.MAX_VALUE - 8) throw new IOException(store.location() + "/" + name + ": Gram size " + d + " out of range");
            final DMatrixRMaj g = new DMatrixRMaj(d, d);
            final byte[] buf = new byte[1 << 16];
            final ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            int i = 0;
            while (i < g.data.length) {
                final int want = Math.min(buf.length, (g.data.length - i) * 8);
                if (in.readNBytes(buf, 0, want) != want) throw new IOException(store.location() + "/" + name + ": truncated Gram file");
                b.clear();
                for (int q = 0; q < want / 8; q++) g.data[i++] = b.getDouble();
            }
            if (in.read() != -1) throw new IOException(store.location() + "/" + name + ": trailing bytes after the Gram");
            return CalibrationStats.ofGram(g, tokens);
        }
    }
}
