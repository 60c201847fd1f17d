package io.github.cospadi.cli;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.CompressedFormat;
import io.github.cospadi.io.DType;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.job.CompressionJob;
import io.github.cospadi.models.job.JobAssembly;
import io.github.cospadi.models.job.JobPlan;
import io.github.cospadi.models.job.JobStore;
import io.github.cospadi.models.job.LocalJobRunner;
import io.github.cospadi.models.llama.LlamaModel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code cospadi compress} as a resumable job in {@code OUT/job} (docs/design.md §13): the plan from the options, the
 * capture and compression stages by {@link LocalJobRunner} (finished tasks of an earlier run are verified and
 * skipped), then the assembly into {@code OUT}. A complete job in {@code OUT} is refused like any existing output; a
 * different plan in {@code OUT/job} is refused naming what differs, and a second {@code compress} while one runs in
 * {@code OUT} is refused naming the first one's pid ({@link JobStore#lock}). {@code --plan-only} writes the job
 * directory and stops, for a cluster runner (cospadi-spark) to execute.
 */
final class CompressJob {
    /** What the command line asked for. */
    record Request(Path model, Path text, String windowsOption, Path out, int threads, boolean overwrite, String gramsFile,
                   double ratio, String method, String coder, int iterations, Schedule schedule, DType dtype,
                   GgmlType ggufType, CompressedFormat.Precision layout, boolean planOnly, int chunkWindows,
                   io.github.cospadi.models.Grouping grouping, PlanCommand.Settings allocation, boolean refit, String rho) {}

    private CompressJob() {}

    @SuppressWarnings("try") // the lock is held, not used
    static int run(Request r, PrintStream out, PrintStream err) throws Exception {
        final Path jobDir = r.out().resolve("job");
        final JobStore store = JobStore.local(jobDir);
        if (!r.overwrite() && !Files.isRegularFile(jobDir.resolve("plan.json")) && nonEmpty(r.out())) {
            // before the lock, which would leave OUT/job/lock in someone else's directory
            throw new IllegalArgumentException("output " + r.out() + " already exists; choose another --out or pass --overwrite");
        }
        // one compress at a time in OUT: a second one is refused naming the holder's pid (the OS drops it with the process)
        try (JobStore.Lock lock = store.lock()) {
            return runLocked(r, jobDir, store, out, err);
        }
    }

    private static int runLocked(Request r, Path jobDir, JobStore store, PrintStream out, PrintStream err) throws Exception {
        final boolean hasJob = Files.isRegularFile(jobDir.resolve("plan.json"));
        if (r.overwrite()) {
            if (hasJob) store.delete("plan.json"); // start over: the old tasks are not verified against a new plan
            if (hasJob) for (String d : List.of("manifest.json", "calibration", "capture", "grams", "factors", "tasks")) store.delete(d);
        } else if (hasJob ? CompressionJob.resume(store).complete() : nonEmpty(r.out())) {
            throw new IllegalArgumentException("output " + r.out() + " already exists; choose another --out or pass --overwrite");
        }

        final long start = System.nanoTime();
        final LlamaModel model = Models.load(r.model(), Parallelism.threads(r.threads()));
        err.printf(Locale.ROOT, "loaded %s: %d layers, hidden %d, %d projections (%.1f s)%n", model.name(), model.config().layers(),
                model.config().hiddenSize(), model.projections().size(), (System.nanoTime() - start) / 1e9);
        final Map<String, String> settings = new LinkedHashMap<>(r.schedule().settings());
        settings.put("method", r.method());
        settings.put("ratio", Double.toString(r.ratio()));
        settings.put("iterations", Integer.toString(r.iterations()));
        if (r.rho() != null) settings.put("rho", r.rho()); // uniform: every matrix at k/s = ρ, or auto: ρ per projection type
        settings.put("coder", r.coder());
        if (r.refit()) settings.put("refit", "true");
        // an adaptive allocation (docs/design.md §12): its settings and the windows its sensitivities are measured on
        List<int[]> sample = null;
        io.github.cospadi.models.plan.Sensitivity.Saved known = null;
        if (r.allocation() != null) {
            final PlanCommand.Settings a = r.allocation();
            sample = PlanCommand.sample(CompressModelCommand.calibrationWindows(model, r.text(), r.windowsOption()), a.sensitivityWindows());
            settings.put("allocation", "adaptive");
            settings.put("probe-iterations", Integer.toString(a.probeIterations()));
            settings.put("sensitivity-windows", Integer.toString(a.sensitivityWindows()));
            settings.put("sensitivity-sha256", JobPlan.windowsDigest(sample));
            settings.put("sensitivity", a.measure().name().toLowerCase(Locale.ROOT));
            settings.put("bands", Integer.toString(a.bands()));
            settings.put("spread", Double.toString(a.spread()));
            settings.put("rho", Double.toString(a.rho()));
            known = a.readSensitivities();
            if (known != null) settings.put("sensitivities-sha256", known.sha256());
        }
        final Map<String, String> output = Map.of("factors", r.layout().name(), "dtype", r.dtype().name(), "gguf_type", r.ggufType().name());
        final CompressionJob job;
        Map<String, CalibrationStats> supplied = null;
        if (r.gramsFile() != null) {
            final Path g = Path.of(r.gramsFile()).toAbsolutePath();
            job = CompressionJob.open(store, new JobPlan(r.model().toAbsolutePath().normalize().toString(), "grams " + g, 0, "", 0, settings, r.grouping().spec(), output));
            if (!job.gramsReady()) {
                supplied = new LinkedHashMap<>();
                try (SafeTensors s = SafeTensors.open(g)) {
                    for (String w : model.projectionNames()) {
                        final String name = w.substring(0, w.length() - ".weight".length());
                        supplied.put(w, CalibrationStats.ofGram(s.readDouble(name + ".input_gram"), 1));
                    }
                }
                job.importGrams(model, supplied);
            }
        } else {
            final List<int[]> windows = CompressModelCommand.calibrationWindows(model, r.text(), r.windowsOption());
            final String protocol = model.tokenizer() == io.github.cospadi.models.tokenizer.ByteTokenizer.INSTANCE
                    ? "random byte windows of 128, seed 42" : "evenly spaced windows of 256 tokens";
            job = CompressionJob.open(store, new JobPlan(r.model().toAbsolutePath().normalize().toString(), "sotu " + r.text().toAbsolutePath().normalize() + " before 2000, " + protocol,
                    windows.size(), JobPlan.windowsDigest(windows), r.chunkWindows(), settings, r.grouping().spec(), output));
            job.putWindows(windows);
        }
        final List<String> tasks = job.compressionTasks(model);
        int finished = 0;
        for (String t : tasks) if (job.compressed(t)) finished++;
        if (finished > 0 || job.gramsReady()) {
            err.printf(Locale.ROOT, "resuming the job in %s: Grams %s, %d of %d projections done%n", jobDir,
                    job.gramsReady() ? "ready" : "pending", finished, tasks.size());
        }
        if (sample != null && !job.allocated()) r.allocation().checkSaveTarget(); // before any work
        if (r.planOnly() && sample == null) {
            out.printf(Locale.ROOT, "wrote the job plan to %s: %d capture chunks, %d compression tasks%n", jobDir, job.plan().chunks(), tasks.size());
            return 0;
        }

        final long t0 = System.nanoTime();
        final AtomicInteger last = new AtomicInteger();
        final Thread hook = new Thread(() -> err.printf(Locale.ROOT, "interrupted: %d of %d projections are saved in %s; run the same command again to resume%n",
                last.get(), tasks.size(), jobDir));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            final LocalJobRunner runner = new LocalJobRunner(r.threads(), Parallelism.threads(r.threads()), e -> {
                if (e.phase().equals("capture")) {
                    err.printf(Locale.ROOT, "  capture chunk %d/%d (%.1f s, ETA %.0f s)%n", e.iteration(), e.totalIterations(),
                            e.elapsed().toNanos() / 1e9, e.eta().toNanos() / 1e9);
                } else if (e.phase().equals("plan")) {
                    if (e.iteration() % 8 == 0 || e.iteration() == e.totalIterations()) {
                        err.printf(Locale.ROOT, "  plan %s %d/%d (%.1f s)%n", e.subject().substring(0, e.subject().indexOf(' ')), e.iteration(),
                                e.totalIterations(), e.elapsed().toNanos() / 1e9);
                    }
                } else if (e.phase().equals("choose-types")) {
                    err.printf(Locale.ROOT, "  trial %d/%d: %s functional error %.4f (%.1f s)%n", e.iteration(), e.totalIterations(), e.subject(),
                            e.objective(), e.elapsed().toNanos() / 1e9);
                } else {
                    last.set(e.iteration());
                    err.printf(Locale.ROOT, "[%d/%d] %s functional error %.4f (%.1f s, ETA %.0f s)%n", e.iteration(), e.totalIterations(),
                            e.subject(), e.objective(), e.elapsed().toNanos() / 1e9, e.eta().toNanos() / 1e9);
                }
            });
            if (!job.gramsReady()) {
                err.printf(Locale.ROOT, "capturing calibration Grams: %d windows in %d chunks...%n", job.plan().windows(), job.plan().chunks());
                runner.capture(job, model);
                err.printf(Locale.ROOT, "captured in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            }
            io.github.cospadi.models.plan.Planner.Result planned = null;
            if (sample != null) {
                if (!job.allocated()) {
                    if (known != null) err.printf(Locale.ROOT, "planning the adaptive allocation with the saved sensitivities of %s (%s)%n",
                            r.allocation().sensitivities(), known.about());
                    else err.printf(Locale.ROOT, "planning the adaptive allocation: sensitivities on %d windows...%n", sample.size());
                }
                planned = runner.allocate(job, model, sample, known);
                if (planned != null) PlanCommand.reportTimes(planned, sample.size(), err);
                if (known == null) r.allocation().saveSensitivities(planned, model.name(), sample, r.ratio(), err);
                if (r.planOnly()) {
                    out.printf(Locale.ROOT, "wrote the job plan, Grams and adaptive allocation to %s: %d compression tasks (%d kept dense)%n", jobDir,
                            tasks.size(), job.keptDense(model).size());
                    return 0;
                }
            }
            final long t1 = System.nanoTime();
            runner.compress(job, model);
            final double compressSeconds = (System.nanoTime() - t1) / 1e9;
            final Map<String, CompressedMatrix> factors = LocalJobRunner.factors(job, model);
            final Map<String, String> outputs = JobAssembly.writeLlama(model, factors, job.keptDense(model), r.model(), r.out(), r.layout(), r.dtype(),
                    r.ggufType(), JobAssembly.description(job.plan()));
            job.writeManifest("done", tasks.size(), tasks.size(), outputs);
            double mean = 0;
            for (String t : tasks) {
                if (!job.keptDense(model, t)) mean += job.recordValue("compress-" + t, "functional_error") * job.units(model).get(t).size();
            }
            if (sample != null) {
                final java.util.function.ToDoubleFunction<String> measured = name -> {
                    try {
                        return job.keptDense(model, name) ? 0 : job.recordValue("compress-" + name, "functional_error");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
                PlanCommand.reportPlan(job.allocation(model), measured, job.recordValue("allocate", "seconds"),
                        job.recordValue("allocate", "curves_seconds"), job.recordValue("allocate", "sensitivity_seconds"), out);
            }
            if (job.plan().choosesPerType()) {
                final StringBuilder b = new StringBuilder("per projection type (chosen in " + String.format(Locale.ROOT, "%.1f s",
                        job.recordValue("choose-types", "seconds")) + "):");
                for (Map.Entry<String, CompressionJob.TypeChoice> e : job.typeChoices(model).entrySet()) b.append(' ').append(e.getKey()).append(' ').append(e.getValue()).append(';');
                b.setLength(b.length() - 1);
                out.println(b);
            }
            out.printf(Locale.ROOT, "compressed %d projections with %s at ratio %.2f: mean functional error %.5f; compression %.1f s, total %.1f s; wrote %s%n",
                    factors.size(), r.method().replace('-', '_'), r.ratio(), mean / factors.size(), compressSeconds, (System.nanoTime() - start) / 1e9, r.out());
            if (!r.grouping().name().equals("none")) {
                out.printf(Locale.ROOT, "grouping %s: %d groups; achieved ratio %.4f (each shared dictionary counted once)%n", r.grouping().name(),
                        tasks.size(), CompressModelCommand.achievedRatio(factors.values()));
            }
            return 0;
        } catch (CancellationException e) {
            err.printf(Locale.ROOT, "cancelled: the finished tasks are saved in %s; run the same command again to resume%n", jobDir);
            return 130;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook reports
            }
        }
    }

    /** Whether {@code dir} holds anything but the job lock ({@code job/lock}, left by a run killed before its plan). */
    private static boolean nonEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) return false;
        if (!Files.isDirectory(dir)) return true;
        final Path job = dir.resolve("job"), lock = job.resolve("lock");
        try (var s = Files.walk(dir)) {
            return s.anyMatch(p -> !p.equals(dir) && !p.equals(job) && !p.equals(lock));
        }
    }
}
