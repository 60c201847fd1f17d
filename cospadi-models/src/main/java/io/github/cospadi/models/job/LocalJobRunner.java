package io.github.cospadi.models.job;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.models.CompressibleModel;
import io.github.cospadi.models.ModelCompressor;
import io.github.cospadi.models.ProjectionWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Runs a {@link CompressionJob}'s capture, reduction, allocation (an adaptive plan's, {@link #allocate}) and compression
 * stages in this JVM, skipping the tasks that are
 * finished: the capture's chunks one after the other (each forward pass split over {@code parallelism}'s threads), the
 * reductions, then the pending projections on {@code workers} threads through {@link ModelCompressor}, each result
 * written as soon as it is done. The assembly (the model files) is the caller's, from {@link #factors}.
 *
 * <p>Progress: phase {@code "capture"} once per chunk (done / total chunks), then phase {@code "compress"} once per
 * finished projection with done / total over the whole job (finished ones of earlier runs included), the projection
 * as the subject and its functional error as the objective. The ETA assumes the remaining tasks run at this run's
 * rate: the event's elapsed time is this run's wall time scaled to all done tasks. Cancelling an event (or
 * interrupting the thread) stops the job with a {@link CancellationException}; the directory stays resumable.
 *
 * <p>Each stage holds the job store's writer lock ({@link JobStore#lock}) while it runs: a second runner on the same
 * directory, in another process or on another thread, is refused with an IOException naming the directory.
 */
public final class LocalJobRunner {
    private final int workers;
    private final Parallelism parallelism;
    private final ProgressListener progress;

    /**
     * @param workers     projections compressed at once, ≥ 1
     * @param parallelism threads of each capture forward pass and Gram update (the bits do not depend on it)
     * @param progress    hears the events (may be null)
     */
    public LocalJobRunner(int workers, Parallelism parallelism, ProgressListener progress) {
        if (workers < 1) throw new IllegalArgumentException("workers must be positive, got " + workers);
        if (parallelism == null) throw new IllegalArgumentException("parallelism must not be null");
        this.workers = workers;
        this.parallelism = parallelism;
        this.progress = progress == null ? ProgressListener.none() : progress;
    }

    /**
     * Runs the capture (unless every Gram is ready) and the compression of every projection. The windows must be in
     * the job ({@link CompressionJob#putWindows}) or the Grams imported ({@link CompressionJob#importGrams}).
     *
     * @return how many compression tasks this call ran (0 when all were finished before)
     */
    @SuppressWarnings("try") // the lock is held, not used
    public int run(CompressionJob job, CompressibleModel model) throws IOException {
        try (JobStore.Lock lock = job.store().lock()) {
            capture(job, model);
            return compress(job, model);
        }
    }

    /**
     * The capture stage: pending chunks, then pending reductions, then the partials deleted. With two or more workers
     * and pending chunks, up to {@code workers} chunks run at once, each pass on one thread (a pass split over threads
     * leaves them idle in its sequential parts: norms, RoPE, the softmax); a single pending chunk splits its passes
     * over {@code parallelism}. Each running chunk holds its own partial Grams. The bits do not depend on either.
     */
    @SuppressWarnings("try") // the lock is held, not used
    public void capture(CompressionJob job, CompressibleModel model) throws IOException {
        try (JobStore.Lock lock = job.store().lock()) {
            captureLocked(job, model);
        }
    }

    private void captureLocked(CompressionJob job, CompressibleModel model) throws IOException {
        if (job.gramsReady()) return;
        final int chunks = job.plan().chunks();
        if (chunks == 0) throw new IllegalStateException("the job's Grams are supplied, but not imported (importGrams first)");
        final long start = System.nanoTime();
        final List<Integer> pending = new ArrayList<>();
        for (int c = 0; c < chunks; c++) if (!job.captured(c)) pending.add(c);
        // each running chunk holds its partial Grams (at most one d × d double array per projection): keep them within
        // half of the heap
        long gramBytes = 0;
        for (var p : model.projections()) gramBytes += 8L * p.inFeatures() * p.inFeatures();
        final long fit = Math.max(1, Runtime.getRuntime().maxMemory() / 2 / Math.max(1, gramBytes));
        final int concurrent = (int) Math.min(Math.min(workers, pending.size()), fit);
        final Parallelism each = concurrent > 1 ? Parallelism.sequential() : parallelism;
        final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger(chunks - pending.size());
        final java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        forEach(concurrent, pending.size(), i -> {
            if (cancelled.get() || Thread.currentThread().isInterrupted()) throw new CancellationException("calibration capture interrupted");
            final int c = pending.get(i);
            job.capture(model, c, each);
            final int d = done.incrementAndGet();
            final ProgressEvent e = new ProgressEvent("capture", d, chunks, Double.NaN, Duration.ofNanos(System.nanoTime() - start), "chunk " + c,
                    chunks - pending.size());
            synchronized (progress) {
                progress.onProgress(e);
            }
            if (e.isCancelled()) {
                cancelled.set(true);
                throw new CancellationException("calibration capture cancelled after " + d + " of " + chunks + " chunks");
            }
        });
        // the reductions: one per Gram group, the groups split between the workers (each sums its chunks in order)
        final List<String> unreduced = new ArrayList<>();
        for (String g : job.gramGroups()) if (!job.reduced(g)) unreduced.add(g);
        forEach(workers, unreduced.size(), i -> job.reduce(unreduced.get(i)));
        job.deletePartials();
    }

    /**
     * The adaptive allocation of an adaptive plan (docs/design.md §12), unless it is written already: {@link
     * CompressionJob#allocate} on the workers, with progress events of phase {@code "plan"} (the planner's phase
     * and projection as the subject). The Grams must be ready. Returns the planner's result, or null when the
     * allocation was finished before (read it with {@link CompressionJob#allocation}).
     *
     * @param windows the sample of calibration windows the sensitivities are measured on (the plan's)
     */
    public io.github.cospadi.models.plan.Planner.Result allocate(CompressionJob job, io.github.cospadi.models.llama.LlamaModel model,
                                                                 List<int[]> windows) throws IOException {
        return allocate(job, model, windows, null);
    }

    /** As {@link #allocate(CompressionJob, io.github.cospadi.models.llama.LlamaModel, List)} with saved sensitivities (see {@link CompressionJob#allocate}). */
    @SuppressWarnings("try") // the lock is held, not used
    public io.github.cospadi.models.plan.Planner.Result allocate(CompressionJob job, io.github.cospadi.models.llama.LlamaModel model,
                                                                 List<int[]> windows, io.github.cospadi.models.plan.Sensitivity.Saved known)
            throws IOException {
        try (JobStore.Lock lock = job.store().lock()) {
            if (job.allocated()) return null;
            final long start = System.nanoTime();
            return job.allocate(model, windows, workers, (phase, done, total, name) -> {
                final ProgressEvent e = new ProgressEvent("plan", done, total, Double.NaN, Duration.ofNanos(System.nanoTime() - start),
                        phase + " " + name);
                synchronized (progress) {
                    progress.onProgress(e);
                }
                if (e.isCancelled() || Thread.currentThread().isInterrupted()) throw new CancellationException("adaptive allocation cancelled");
            }, known);
        }
    }

    /** One item of {@link #forEach}. */
    private interface Item {
        void run(int i) throws IOException;
    }

    /** Items 0..n−1 on up to {@code threads} threads, each item whole on one; the first IOException is rethrown as is. */
    private static void forEach(int threads, int n, Item item) throws IOException {
        try {
            Parallelism.threads(Math.max(1, Math.min(threads, n))).forEachBlock(n, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    try {
                        item.run(i);
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                }
            });
        } catch (UncheckedIOException x) {
            throw x.getCause();
        }
    }

    /**
     * The compression stage: every unfinished task, largest first, on the workers; returns how many ran. It reads only
     * the weights: {@code model} is the model loaded for the capture, or, when the Grams are ready and nothing else
     * needs the model, the weights read one task at a time from its file ({@link io.github.cospadi.models.Models#weights}),
     * with the same bytes.
     */
    @SuppressWarnings("try") // the lock is held, not used
    public int compress(CompressionJob job, ProjectionWeights model) throws IOException {
        try (JobStore.Lock lock = job.store().lock()) {
            return compressLocked(job, model);
        }
    }

    private int compressLocked(CompressionJob job, ProjectionWeights model) throws IOException {
        final List<String> tasks = job.compressionTasks(model);
        if (job.plan().adaptive() && !job.allocated()) {
            throw new IllegalStateException("the job's adaptive allocation is not planned yet (LocalJobRunner.allocate first)");
        }
        final List<String> pending = new ArrayList<>();
        if (job.plan().choosesPerType() && !job.typesChosen()) {
            boolean all = true;
            for (String t : tasks) all &= job.compressed(t);
            if (!all) job.chooseTypes(model, workers, progress); // ρ and square sides per projection type, before any task needs them
        }
        for (String t : tasks) {
            if (job.compressed(t)) continue;
            if (job.keptDense(model, t)) job.writeKeptDense(model, t); // nothing to compress: the allocation keeps it dense
            else pending.add(t);
        }
        final int before = tasks.size() - pending.size();
        job.writeManifest("compress", before, tasks.size(), null);
        if (pending.isEmpty()) return 0;
        final Map<String, List<String>> units = job.units(model);
        final List<List<String>> pendingUnits = new ArrayList<>();
        final Map<List<String>, String> taskOf = new java.util.HashMap<>();
        final List<String> projections = new ArrayList<>();
        for (String t : pending) {
            pendingUnits.add(units.get(t));
            taskOf.put(units.get(t), t);
            projections.addAll(units.get(t));
        }
        final Map<String, CalibrationStats> grams = job.grams(projections);
        final Map<String, Compressor> compressors = new java.util.HashMap<>(); // by a task's first projection
        for (String t : pending) compressors.put(units.get(t).get(0), job.compressor(model, t));
        int done = 0;
        for (String t : tasks) if (!pending.contains(t)) done += units.get(t).size();
        final int projectionsBefore = done;
        int all = 0;
        for (List<String> u : units.values()) all += u.size();
        final int total = all;
        // progress counts projections (a group's members one by one); the ETA from this run's rate
        final ProgressListener relay = e -> {
            final int d = projectionsBefore + e.iteration();
            final ProgressEvent f = new ProgressEvent("compress", d, total, e.objective(), e.elapsed(), e.subject(), projectionsBefore);
            progress.onProgress(f);
            if (f.isCancelled()) e.cancel();
        };
        new ModelCompressor(compressors::get, workers, relay).compressUnits(model, grams, pendingUnits, null, (names, factors) -> {
            try {
                job.writeFactors(taskOf.get(names), names, factors);
            } catch (IOException x) {
                throw new UncheckedIOException("writing the factors of task '" + taskOf.get(names) + "'", x);
            }
        });
        job.writeManifest("assembly", tasks.size(), tasks.size(), null);
        return pending.size();
    }

    /**
     * The factors of every projection of a finished job, in the model's projection order; a projection an adaptive
     * allocation keeps dense has none.
     */
    public static Map<String, CompressedMatrix> factors(CompressionJob job, ProjectionWeights model) throws IOException {
        final Map<String, CompressedMatrix> out = new LinkedHashMap<>();
        final Map<String, CompressedMatrix> read = new java.util.HashMap<>();
        final java.util.Set<String> dense = new java.util.HashSet<>();
        for (String t : job.compressionTasks(model)) {
            if (job.keptDense(model, t)) dense.addAll(job.units(model).get(t));
            else read.putAll(job.taskFactors(t));
        }
        for (var p : model.projections()) {
            final CompressedMatrix c = read.get(p.name());
            if (c == null && dense.contains(p.name())) continue;
            if (c == null) throw new IllegalStateException("the job's factors hold nothing for projection '" + p.name() + "'");
            out.put(p.name(), c);
        }
        return out;
    }
}
