package io.github.cospadi.cli;

import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.models.GramCapture;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.plan.BudgetPlan;
import io.github.cospadi.models.plan.Candidate;
import io.github.cospadi.models.plan.Planner;
import io.github.cospadi.models.plan.Sensitivity;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code cospadi plan}: the adaptive per-matrix allocation of docs/design.md §12 for a Llama-family model, printed
 * without compressing (each matrix's method, k/s or rank, storage, predicted error, sensitivity and the achieved
 * global ratio). {@code compress --allocation adaptive} runs the same planning and then compresses by the plan
 * ({@link #adaptive}).
 *
 * <p>The probe (CoSpaDi's curve) is the compression's own schedule at the target ratio with {@code
 * --probe-iterations} (default 5) iterations; the sensitivities use {@code --sensitivity-windows} (default 32)
 * calibration windows, evenly spaced over the calibration set, measured by {@code --sensitivity} (default
 * {@code fisher}: one backward pass per window, a weight per projection). The probes — and the perturbations of the
 * {@code loss} and {@code kl} measures — are per projection type in {@code --bands} (default 6) depth bands (per
 * projection when the model has at most that many layers, as the tiny Llama). {@code --method svd-llm} plans
 * SVD-LLM and dense only.
 */
final class PlanCommand implements Command {
    @Override
    public String summary() {
        return "plan a per-matrix method and budget under one global ratio (adaptive allocation) without compressing";
    }

    @Override
    public String usage() {
        return "--model FILE.gguf|DIR [--calibration TEXT_DIR [--calibration-windows N] | --grams FILE] --ratio G [--method cospadi|svd-llm] "
                + "[--probe-iterations N] [--sensitivity-windows N] [--sensitivity loss|kl|fisher] [--bands B] [--spread S] [--rho R] [--sensitivities FILE | --save-sensitivities FILE] [--reference] [--orientation input|output|auto] [--square both|input|output] [--threads N] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path modelPath = o.path("model");
        final Path text = Path.of(o.string("calibration", PerplexityCommand.DEFAULT_TEXT));
        final String windowsOption = o.string("calibration-windows", null);
        final String gramsFile = o.string("grams", null);
        final double ratio = o.real("ratio", Double.NaN);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final Method method = LayersCommand.method(o.string("method", "cospadi"));
        final boolean json = o.flag("json");
        final Settings settings = Settings.parse(o, method);
        final Schedule schedule = Schedule.parse(o, true);
        o.finish();
        if (Double.isNaN(ratio)) throw new Options.UsageException("missing --ratio");
        settings.checkSaveTarget();
        final LlamaModel model = Models.load(modelPath, Parallelism.threads(threads));
        final List<int[]> windows = CompressModelCommand.calibrationWindows(model, text, windowsOption);
        final Map<String, CalibrationStats> grams = gramsFile != null ? readGrams(model, Path.of(gramsFile))
                : GramCapture.capture(model, windows, Parallelism.threads(threads), null);
        final Supplier<Compressor.Builder> base = () -> {
            final Compressor.Builder b = Compressor.builder().parallelism(Parallelism.sequential());
            schedule.accept(b);
            return b.orientation(schedule.orientation(io.github.cospadi.common.Orientation.AUTO));
        };
        final Planner.Result r = plan(model, grams, windows, ratio, method, settings, base, threads, err);
        out.print(json ? r.plan().toJson() + "\n" : r.plan().toText());
        return 0;
    }

    /** The options of the planning shared with {@code compress --allocation adaptive}. */
    record Settings(int probeIterations, int sensitivityWindows, double rho, double spread, int bands, Sensitivity.Measure measure,
                    Path sensitivities, Path saveSensitivities) {
        /** The default number of depth bands per projection type the sensitivities and probes are measured in. */
        static final int DEFAULT_BANDS = 6;

        static Settings parse(Options o, Method method) {
            final int probe = o.integer("probe-iterations", 5), windows = o.integer("sensitivity-windows", 32);
            final int bands = o.integer("bands", DEFAULT_BANDS);
            final Sensitivity.Measure measure;
            try {
                // measured: fisher plans better than loss at a seventh of its cost (docs/benchmarks.md §13.4)
                measure = Sensitivity.Measure.parse(o.string("sensitivity", "fisher"));
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--" + e.getMessage());
            }
            if (bands < 1) throw new Options.UsageException("--bands must be positive, got " + bands);
            final double rho = o.real("rho", 2);
            // measured: with the loss measure, unlimited was 7.5 × uniform's loss and 0.1 gave 0.88 × (docs/benchmarks.md §13); with
            // the Fisher measure 0.2 beats 0.1 at every γ on both models (§13.4)
            final double spread = o.real("spread", 0.2);
            if (!(spread > 0)) throw new Options.UsageException("--spread must be positive, got " + spread);
            if (probe < 1) throw new Options.UsageException("--probe-iterations must be positive, got " + probe);
            if (windows < 1) throw new Options.UsageException("--sensitivity-windows must be positive, got " + windows);
            if (method != Method.COSPADI && method != Method.SVD_LLM) {
                throw new Options.UsageException("adaptive allocation plans cospadi or svd-llm, not " + method.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            final String read = o.string("sensitivities", null), save = o.string("save-sensitivities", null);
            if (read != null && save != null) throw new Options.UsageException("--sensitivities reads saved sensitivities; --save-sensitivities saves measured ones: give one");
            if (read != null && !java.nio.file.Files.isRegularFile(Path.of(read))) {
                throw new Options.UsageException("--sensitivities " + read + " is not a file (write one with --save-sensitivities)");
            }
            return new Settings(probe, windows, rho, spread, bands, measure, read == null ? null : Path.of(read), save == null ? null : Path.of(save));
        }

        /**
         * Refuses a {@code --save-sensitivities} file that exists before any work (a resumed job whose allocation is
         * planned measures nothing, so its file may exist).
         */
        void checkSaveTarget() {
            if (saveSensitivities != null && java.nio.file.Files.exists(saveSensitivities)) {
                throw new Options.UsageException("--save-sensitivities " + saveSensitivities + " already exists; choose another file or delete it");
            }
        }

        /** The saved sensitivities of {@code --sensitivities}, or null. */
        Sensitivity.Saved readSensitivities() throws java.io.IOException {
            return sensitivities == null ? null : Sensitivity.fromJson(java.nio.file.Files.readAllBytes(sensitivities), sensitivities.toString());
        }

        /**
         * Writes freshly measured sensitivities to {@code --save-sensitivities} (when given), with what they were measured
         * with: the model, measure, bands, windows and the perturbation's ratio.
         */
        void saveSensitivities(Planner.Result r, String model, List<int[]> windows, double ratio, PrintStream err) throws java.io.IOException {
            if (saveSensitivities == null || r == null) return;
            final Map<String, String> about = new java.util.TreeMap<>();
            about.put("model", model);
            about.put("measure", measure.name().toLowerCase(Locale.ROOT));
            about.put("bands", Integer.toString(bands));
            about.put("windows", Integer.toString(windows.size()));
            about.put("windows_sha256", io.github.cospadi.models.job.JobPlan.windowsDigest(windows));
            about.put("perturbation_ratio", Double.toString(ratio));
            io.github.cospadi.io.AtomicFiles.writeString(saveSensitivities, Sensitivity.toJson(about, r.sensitivities()));
            err.printf(Locale.ROOT, "saved the sensitivities of %d projections to %s%n", r.sensitivities().size(), saveSensitivities);
        }
    }

    /** {@code n} windows evenly spaced over {@code windows} (all of them when there are at most n): the sensitivities' sample. */
    static List<int[]> sample(List<int[]> windows, int n) {
        final List<int[]> sample = new ArrayList<>();
        final int m = Math.min(n, windows.size());
        for (int i = 0; i < m; i++) sample.add(windows.get((int) ((long) i * windows.size() / m)));
        return sample;
    }

    /** The planning's times and the number of negative sensitivities, one line. */
    static void reportTimes(Planner.Result r, int windows, PrintStream err) {
        int negative = 0;
        for (var s : r.sensitivities().values()) if (s.negative()) negative++;
        err.printf(Locale.ROOT, "planned in %.1f s (curves %.1f s, sensitivities %.1f s on %d windows, %d negative; allocation %.3f s)%n",
                r.curvesSeconds() + r.sensitivitySeconds() + r.allocateSeconds(), r.curvesSeconds(), r.sensitivitySeconds(), windows, negative,
                r.allocateSeconds());
    }

    /** Per matrix: the plan's choice, predicted and measured functional error; then the plan's totals and times. */
    static void reportPlan(BudgetPlan plan, java.util.function.ToDoubleFunction<String> measuredError, double seconds, double curvesSeconds,
                           double sensitivitySeconds, PrintStream out) {
        out.printf(Locale.ROOT, "%-40s %-28s %10s %10s %10s%n", "matrix", "choice", "storage", "predicted", "measured");
        double predicted2 = 0, measured2 = 0;
        for (BudgetPlan.Entry e : plan.entries()) {
            final double measured = measuredError.applyAsDouble(e.options().name());
            predicted2 += e.predictedLoss();
            measured2 += e.options().sensitivity() * measured * measured;
            out.printf(Locale.ROOT, "%-40s %-28s %10d %10.5f %10.5f%n", e.options().name(), e.chosen().label(), e.chosen().storage(),
                    e.chosen().error(), measured);
        }
        out.printf(Locale.ROOT, "adaptive plan: target ratio %.4f, achieved %.5f; predicted loss increase %.6g (sum w*e^2 with the"
                        + " measured errors: %.6g); planning %.1f s (curves %.1f, sensitivities %.1f)%n",
                plan.targetRatio(), plan.achievedRatio(), predicted2, measured2, seconds, curvesSeconds, sensitivitySeconds);
    }

    /** Plans; {@code base} is the CoSpaDi builder of the compression without a budget (schedule, coder, orientation). */
    static Planner.Result plan(LlamaModel model, Map<String, CalibrationStats> grams, List<int[]> windows, double ratio, Method method,
                               Settings settings, Supplier<Compressor.Builder> base, int threads, PrintStream err) {
        final Compressor probe = method == Method.COSPADI
                ? base.get().ratio(ratio).atomsPerNonzero(settings.rho()).iterations(settings.probeIterations()).build() : null;
        final List<int[]> sample = sample(windows, settings.sensitivityWindows());
        final long start = System.nanoTime();
        final Sensitivity.Saved known;
        try {
            known = settings.readSensitivities();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (known != null) err.printf(Locale.ROOT, "using the saved sensitivities of %s (%s)%n", settings.sensitivities(), known.about());
        final Planner.Result r = Planner.plan(model, grams, ratio, probe, settings.rho(), method != Method.COSPADI, sample, threads,
                (phase, done, total, name) -> {
                    if (done % 8 == 0 || done == total) {
                        err.printf(Locale.ROOT, "  plan %s %d/%d (%.1f s)%n", phase, done, total, (System.nanoTime() - start) / 1e9);
                    }
                }, settings.spread(), settings.bands(), settings.measure(), known == null ? null : known.resultsFor(model.projections(),
                        settings.sensitivities().toString()));
        reportTimes(r, sample.size(), err);
        if (known == null) {
            try {
                settings.saveSensitivities(r, model.name(), sample, ratio, err);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return r;
    }

    static Map<String, CalibrationStats> readGrams(LlamaModel model, Path file) throws java.io.IOException {
        final Map<String, CalibrationStats> grams = new LinkedHashMap<>();
        try (SafeTensors g = SafeTensors.open(file)) {
            for (String w : model.projectionNames()) {
                final String name = w.substring(0, w.length() - ".weight".length());
                grams.put(w, CalibrationStats.ofGram(g.readDouble(name + ".input_gram"), 1));
            }
        }
        return grams;
    }
}
