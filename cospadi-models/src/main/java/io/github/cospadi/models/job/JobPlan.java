package io.github.cospadi.models.job;

import io.github.cospadi.internal.JsonFields;

import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.dictionary.Initialization;
import io.github.cospadi.internal.JsonParser;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a compression job computes, and so what its bytes depend on: the model source, the calibration source and its
 * windows (their count and a SHA-256 of their token ids), how the windows are cut into capture chunks, the
 * compressor's settings, the grouping of projections into tasks and the output settings of the assembly. Saved as
 * {@code plan.json} in the job directory; a re-run with an equal plan resumes, a different one is refused.
 *
 * <p>The capture chunks fix the Gram's summation order: chunk c holds windows [c·chunkWindows, (c+1)·chunkWindows),
 * its partial Gram is one fused multiply-add chain over its tokens in order, and the Gram is the left fold
 * ((P₀ + P₁) + P₂) + … over chunk indices. So the bits depend on the plan only, never on the workers or the engine.
 *
 * <p>{@code compressor} keys (values as on the command line): {@code method} (cospadi, svd-llm, svd, basis-sharing),
 * {@code ratio},
 * {@code iterations}, {@code coder} (omp, iht), {@code schedule} (fast, reference), and optionally
 * {@code coding-interval}, {@code warmup}, {@code refresh-steps}, {@code power-iterations}, {@code init} (svd,
 * random-columns), {@code orientation} (input, output, auto; default auto), {@code square} (input or output: what
 * AUTO does with a square matrix; {@code type}: chosen per projection type by the job, {@link CompressionJob#chooseTypes};
 * absent: both ways), {@code seed} and, for a uniform allocation, {@code rho} (ρ = k/s of every matrix, default 2, or
 * {@code auto}: chosen per projection type by the job, {@link CompressionJob#chooseTypes});
 * and {@code allocation} (uniform, the default, or
 * adaptive: the budget allocated per matrix, docs/design.md §12) with, for adaptive only, its settings
 * {@code probe-iterations}, {@code sensitivity-windows}, {@code sensitivity} (loss, kl), {@code bands}, {@code spread},
 * {@code rho} and {@code sensitivity-sha256} (the SHA-256 of the windows the sensitivities are measured on), and
 * optionally {@code sensitivities-sha256}: the SHA-256 of a saved sensitivities file the allocation uses instead of
 * measuring ({@link io.github.cospadi.models.plan.Sensitivity.Saved}); {@code refit} ({@code true}): Basis Sharing's
 * per-member coefficient refit of a group (docs/design.md §5.8).
 *
 * @param model         the model source (a path or URI, as given)
 * @param calibration   a description of the calibration source (text folder and protocol, or a Grams file)
 * @param windows       the number of calibration windows; 0 when the Grams are supplied ready
 * @param windowsSha256 SHA-256 of the windows' token ids ({@link #windowsDigest}); empty when the Grams are supplied
 * @param chunkWindows  windows per capture chunk (≥ 1; ignored when the Grams are supplied)
 * @param compressor    the compressor's settings (see above)
 * @param grouping      how projections form tasks ({@link io.github.cospadi.models.Grouping#spec}): {@code none} (one task
 *                      per projection), {@code pairs} or a JSON list of projection-name groups (a group of two or more is
 *                      one task with one shared dictionary, docs/design.md §5.8)
 * @param output        the assembly's settings (factor layout, dtypes), compared like the rest
 */
public record JobPlan(String model, String calibration, int windows, String windowsSha256, int chunkWindows,
                      Map<String, String> compressor, String grouping, Map<String, String> output) {
    /** The plan file's format version. */
    public static final int VERSION = 1;
    /** The {@code rho} value that lets the job choose ρ = k/s per projection type. */
    public static final String RHO_AUTO = "auto";
    /** The {@code square} value that lets the job choose the orientation of each square projection type. */
    public static final String SQUARE_BY_TYPE = "type";
    /** Windows per capture chunk unless a plan says otherwise. */
    public static final int DEFAULT_CHUNK_WINDOWS = 32;
    private static final Set<String> COMPRESSOR_KEYS = Set.of("method", "ratio", "iterations", "coder", "schedule",
            "coding-interval", "warmup", "refresh-steps", "power-iterations", "extrapolation", "init", "orientation", "square", "seed",
            "allocation", "probe-iterations", "sensitivity-windows", "sensitivity-sha256", "sensitivity", "bands", "spread", "rho",
            "sensitivities-sha256", "refit");
    /** The settings of the adaptive allocation (all required with {@code allocation=adaptive}, none without). */
    static final List<String> ALLOCATION_KEYS = List.of("probe-iterations", "sensitivity-windows", "sensitivity-sha256", "sensitivity",
            "bands", "spread", "rho");

    public JobPlan {
        if (model == null || model.isEmpty()) throw new IllegalArgumentException("plan: model must be non-empty");
        if (calibration == null || calibration.isEmpty()) throw new IllegalArgumentException("plan: calibration must be non-empty");
        if (windows < 0) throw new IllegalArgumentException("plan: windows must be ≥ 0, got " + windows);
        if (windowsSha256 == null) windowsSha256 = "";
        if (windows > 0 && !windowsSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("plan: windowsSha256 must be 64 lowercase hex digits, got '" + windowsSha256 + "'");
        }
        if (windows > 0 && chunkWindows < 1) throw new IllegalArgumentException("plan: chunkWindows must be positive, got " + chunkWindows);
        if (windows == 0) chunkWindows = 0;
        if (grouping == null) throw new IllegalArgumentException("plan: grouping must be none, pairs, pairs-all or a JSON list of projection-name groups, got null");
        io.github.cospadi.models.Grouping.parse(grouping, "plan"); // checked here, resolved on the model by the job
        compressor = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(compressor, "plan: compressor")));
        output = Collections.unmodifiableMap(new TreeMap<>(output == null ? Map.of() : output));
        for (String k : compressor.keySet()) {
            if (!COMPRESSOR_KEYS.contains(k)) throw new IllegalArgumentException("plan: unknown compressor setting '" + k + "'; known: " + new TreeSet<>(COMPRESSOR_KEYS));
        }
        for (String k : List.of("method", "ratio", "iterations")) {
            if (!compressor.containsKey(k)) throw new IllegalArgumentException("plan: compressor setting '" + k + "' is missing");
        }
        final String allocation = compressor.getOrDefault("allocation", "uniform");
        if (!allocation.equals("uniform") && !allocation.equals("adaptive")) {
            throw new IllegalArgumentException("plan: compressor allocation must be uniform or adaptive, got '" + allocation + "'");
        }
        for (String k : ALLOCATION_KEYS) {
            if (k.equals("rho") && !allocation.equals("adaptive")) continue; // uniform: optional, every matrix at k/s = ρ
            if (allocation.equals("adaptive") != compressor.containsKey(k)) {
                throw new IllegalArgumentException("plan: compressor setting '" + k + "' " + (allocation.equals("adaptive")
                        ? "is missing (allocation=adaptive needs " + ALLOCATION_KEYS + ")" : "applies to allocation=adaptive only"));
            }
        }
        if (!allocation.equals("adaptive") && compressor.containsKey("rho")) {
            final String rho = compressor.get("rho");
            if (rho.equals(RHO_AUTO)) {
                if (!compressor.get("method").equals("cospadi")) {
                    throw new IllegalArgumentException("plan: compressor rho=auto applies to method cospadi, got '" + compressor.get("method") + "'");
                }
                if (!grouping.equals("none")) {
                    throw new IllegalArgumentException("plan: compressor rho=auto chooses k/s per projection type on single matrices; grouping must be none, got '" + grouping + "'");
                }
            } else {
                double r;
                try {
                    r = Double.parseDouble(rho);
                } catch (NumberFormatException e) {
                    r = Double.NaN;
                }
                if (!(r >= 1) || !Double.isFinite(r)) throw new IllegalArgumentException("plan: compressor rho must be a number >= 1 or auto, got '" + rho + "'");
            }
        }
        if (compressor.containsKey("square")) {
            final String square = compressor.get("square");
            if (square.equals(SQUARE_BY_TYPE)) {
                final String why = !compressor.get("method").equals("cospadi") ? "method must be cospadi, got '" + compressor.get("method") + "'"
                        : !grouping.equals("none") ? "grouping must be none, got '" + grouping + "'"
                        : allocation.equals("adaptive") ? "the allocation must be uniform, got adaptive"
                        : !compressor.getOrDefault("orientation", "auto").equals("auto") ? "orientation must be auto, got '" + compressor.get("orientation") + "'"
                        : null;
                if (why != null) throw new IllegalArgumentException("plan: compressor square=type chooses the orientation per projection type of single matrices under AUTO; " + why);
            } else if (!square.equals("input") && !square.equals("output")) {
                throw new IllegalArgumentException("plan: compressor square must be input, output or type, got '" + square + "'");
            }
        }
        if (compressor.containsKey("refit") && !compressor.get("refit").equals("true")) {
            throw new IllegalArgumentException("plan: compressor refit must be true (or absent), got '" + compressor.get("refit") + "'");
        }
        if (compressor.containsKey("sensitivities-sha256") && !allocation.equals("adaptive")) {
            throw new IllegalArgumentException("plan: compressor setting 'sensitivities-sha256' applies to allocation=adaptive only");
        }
        if (allocation.equals("adaptive")) {
            if (!grouping.equals("none")) throw new IllegalArgumentException("plan: allocation=adaptive plans per matrix; grouping must be none, got '" + grouping + "'");
            final String m = compressor.get("method");
            if (!m.equals("cospadi") && !m.equals("svd-llm")) {
                throw new IllegalArgumentException("plan: allocation=adaptive plans cospadi or svd-llm, got method '" + m + "'");
            }
        }
    }

    /**
     * Whether ρ = k/s is chosen per projection type by the job ({@code rho=auto} with a uniform allocation,
     * docs/design.md §4.1): then {@link #buildCompressor} has no single compressor and each task's comes from
     * {@link CompressionJob#compressor}.
     */
    public boolean rhoAuto() {
        return !adaptive() && RHO_AUTO.equals(compressor.get("rho"));
    }

    /**
     * Whether AUTO's side for each square projection type is chosen by the job ({@code square=type}, docs/design.md
     * §4.1) instead of compressing every square matrix both ways.
     */
    public boolean squareByType() {
        return SQUARE_BY_TYPE.equals(compressor.get("square"));
    }

    /**
     * Whether the job chooses settings per projection type before compressing ({@link #rhoAuto} or
     * {@link #squareByType}): then each task's compressor comes from {@link CompressionJob#compressor}.
     */
    public boolean choosesPerType() {
        return rhoAuto() || squareByType();
    }

    /** ρ = k/s of every matrix of a uniform plan that fixes it: its {@code rho}, or the default 2. */
    double fixedRho() {
        if (rhoAuto() || adaptive()) throw new IllegalStateException("plan: rho is not fixed (rho=auto or an adaptive allocation)");
        return compressor.containsKey("rho") ? real("rho") : 2;
    }

    /** Whether the budget is allocated per matrix (compressor setting {@code allocation=adaptive}, docs/design.md §12). */
    public boolean adaptive() {
        return "adaptive".equals(compressor.get("allocation"));
    }

    /** The plan's grouping ({@link #grouping} parsed). */
    public io.github.cospadi.models.Grouping groups() {
        return io.github.cospadi.models.Grouping.parse(grouping, "plan");
    }

    /** The number of capture chunks, ⌈windows / chunkWindows⌉ (0 when the Grams are supplied). */
    public int chunks() {
        return windows == 0 ? 0 : (windows + chunkWindows - 1) / chunkWindows;
    }

    /**
     * The compressor of this plan, each task single-threaded inside (tasks run in parallel instead). The same plan
     * gives a compressor with the same settings in every JVM.
     */
    public Compressor buildCompressor() {
        final Compressor.Builder b = builder().ratio(real("ratio"));
        if (choosesPerType()) throw new IllegalStateException("plan: rho=auto or square=type gives each projection type its own compressor; take a task's from CompressionJob.compressor");
        if (!adaptive() && compressor.containsKey("rho")) b.atomsPerNonzero(real("rho"));
        return b.build();
    }

    /**
     * The plan's compressor settings without a budget — method, iterations, coder, schedule, orientation, seed; each
     * task single-threaded inside — for the budget an adaptive allocation gives each matrix.
     */
    public Compressor.Builder builder() {
        final Map<String, String> c = compressor;
        final Method method = method(c.get("method"));
        final Compressor.Builder b = Compressor.builder().method(method).iterations(integer("iterations"))
                .coder(coder(c.getOrDefault("coder", "omp"))).parallelism(Parallelism.sequential())
                .refitCoefficients(c.containsKey("refit"));
        if (c.containsKey("seed")) b.seed(Long.parseLong(c.get("seed")));
        if (method == Method.COSPADI) {
            // the order of the command line's Schedule: initialization, orientation, base schedule, then each override
            if (c.containsKey("init")) b.initialization(initialization(c.get("init")));
            final String schedule = c.getOrDefault("schedule", "fast");
            if (!schedule.equals("fast") && !schedule.equals("reference")) {
                throw new IllegalArgumentException("plan: compressor schedule must be fast or reference, got '" + schedule + "'");
            }
            if (schedule.equals("fast")) b.fast();
            if (c.containsKey("coding-interval")) b.codingInterval(integer("coding-interval"));
            if (c.containsKey("warmup")) b.codingWarmup(integer("warmup"));
            if (c.containsKey("refresh-steps")) b.refreshSteps(integer("refresh-steps"));
            if (c.containsKey("power-iterations")) b.powerIterations(integer("power-iterations"));
            if (c.containsKey("extrapolation")) {
                final String ex = c.get("extrapolation");
                if (!ex.equals("on") && !ex.equals("off")) {
                    throw new IllegalArgumentException("plan: compressor extrapolation must be on or off, got '" + ex + "'");
                }
                b.extrapolation(ex.equals("on"));
            }
            b.orientation(orientation(c.getOrDefault("orientation", "auto")));
            // square=type: both ways here (the job's trials); each type's side comes with its task's compressor
            if (c.containsKey("square") && !squareByType()) b.squareOrientation(orientation(c.get("square")));
        }
        return b;
    }

    /** A compressor setting as a number; {@code key} must be present. */
    double real(String key) {
        try {
            return Double.parseDouble(compressor.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("plan: compressor " + key + " must be a number, got '" + compressor.get(key) + "'");
        }
    }

    /** A compressor setting as an integer; {@code key} must be present. */
    int integer(String key) {
        try {
            return Integer.parseInt(compressor.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("plan: compressor " + key + " must be an integer, got '" + compressor.get(key) + "'");
        }
    }

    private static Method method(String name) {
        switch (name) {
            case "cospadi": return Method.COSPADI;
            case "svd-llm": return Method.SVD_LLM;
            case "svd": return Method.SVD;
            case "basis-sharing": return Method.BASIS_SHARING;
            default: throw new IllegalArgumentException("plan: compressor method must be cospadi, svd-llm, svd or basis-sharing, got '" + name + "'");
        }
    }

    private static SparseCoder coder(String name) {
        switch (name) {
            case "omp": return SparseCoder.omp();
            case "iht": return SparseCoder.iht();
            default: throw new IllegalArgumentException("plan: compressor coder must be omp or iht, got '" + name + "'");
        }
    }

    private static Initialization initialization(String name) {
        switch (name) {
            case "svd": return Initialization.SVD;
            case "random-columns": return Initialization.RANDOM_COLUMNS;
            default: throw new IllegalArgumentException("plan: compressor init must be svd or random-columns, got '" + name + "'");
        }
    }

    private static Orientation orientation(String name) {
        switch (name) {
            case "input": return Orientation.INPUT;
            case "output": return Orientation.OUTPUT;
            case "auto": return Orientation.AUTO;
            default: throw new IllegalArgumentException("plan: compressor orientation must be input, output or auto, got '" + name + "'");
        }
    }

    /** SHA-256 (lowercase hex) of the windows: for each window its length then its token ids, as big-endian ints. */
    public static String windowsDigest(List<int[]> windows) {
        final java.security.MessageDigest md = Checksums.sha256();
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
        for (int[] w : windows) {
            md.update(b.clear().putInt(w.length).array());
            for (int t : w) md.update(b.clear().putInt(t).array());
        }
        return Checksums.hex(md.digest());
    }

    /** The plan as the JSON of {@code plan.json}. */
    public String toJson() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("model", model);
        m.put("calibration", calibration);
        m.put("windows", windows);
        m.put("windows_sha256", windowsSha256);
        m.put("chunk_windows", chunkWindows);
        m.put("compressor", compressor);
        m.put("grouping", grouping);
        m.put("output", output);
        return MiniJson.write(m);
    }

    /** Reads a plan written by {@link #toJson}; {@code source} names the file in messages. */
    public static JobPlan fromJson(String json, String source) {
        final Map<String, Object> m = JsonParser.parseExactObject(json, source);
        final Object v = m.get("version");
        if (!(v instanceof BigDecimal) || ((BigDecimal) v).intValue() != VERSION) {
            throw new IllegalArgumentException(source + ": plan version " + v + " is not supported (this build reads " + VERSION + ")");
        }
        final String model = JsonFields.string(m, "model", source), calibration = JsonFields.string(m, "calibration", source);
        final int windows = JsonFields.int32(m, "windows", source), chunkWindows = JsonFields.int32(m, "chunk_windows", source);
        final String sha = JsonFields.string(m, "windows_sha256", source), grouping = JsonFields.string(m, "grouping", source);
        final Map<String, String> compressor = JsonFields.strings(m, "compressor", source), output = JsonFields.strings(m, "output", source);
        try { // the constructor's own checks do not name the file
            return new JobPlan(model, calibration, windows, sha, chunkWindows, compressor, grouping, output);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * What differs between this plan (the one in a job directory) and {@code other} (the one asked for now), one line
     * per field, e.g. {@code compressor.ratio: 0.2 in the directory, 0.3 now}; empty when they are equal.
     */
    public List<String> differences(JobPlan other) {
        final List<String> out = new ArrayList<>();
        diff(out, "model", model, other.model);
        diff(out, "calibration", calibration, other.calibration);
        diff(out, "windows", windows, other.windows);
        diff(out, "windows_sha256", windowsSha256, other.windowsSha256);
        diff(out, "chunk_windows", chunkWindows, other.chunkWindows);
        final Set<String> keys = new TreeSet<>(compressor.keySet());
        keys.addAll(other.compressor.keySet());
        for (String k : keys) diff(out, "compressor." + k, compressor.get(k), other.compressor.get(k));
        diff(out, "grouping", grouping, other.grouping);
        final Set<String> outKeys = new TreeSet<>(output.keySet());
        outKeys.addAll(other.output.keySet());
        for (String k : outKeys) diff(out, "output." + k, output.get(k), other.output.get(k));
        return out;
    }

    private static void diff(List<String> out, String field, Object mine, Object theirs) {
        if (!Objects.equals(mine, theirs)) {
            out.add(String.format(Locale.ROOT, "%s: %s in the directory, %s now", field, mine == null ? "(unset)" : mine,
                    theirs == null ? "(unset)" : theirs));
        }
    }
}
