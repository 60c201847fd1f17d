package io.github.cospadi.models;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.calibration.CalibrationStats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The whole-model pipeline's compression stage: every projection of a model compressed by one {@link Compressor}
 * against its calibration Gram, as independent tasks on a few worker threads. Tasks run largest first (by the
 * weight's size), so the long ones start early and the short ones fill the gaps at the end; each result is handed
 * to a consumer as soon as it is done (under a lock, in completion order), so a caller can write it and replace the
 * projection without keeping the whole model twice. The factors of a projection do not depend on the number of
 * workers or the order (each task is a pure function of its weight, Gram and the compressor's seed). The weights come
 * from any {@link ProjectionWeights}: a loaded {@link CompressibleModel}, or one that reads each weight from the model
 * file when its task starts ({@link Models#weights}).
 *
 * <p>The first run of at least two million weight entries in a JVM first compresses three small synthetic matrices on
 * each worker so the JIT compiles the hot code before the real tasks (a few seconds; the results do not depend on it;
 * {@code -Dcospadi.warmup=false} turns it off).
 *
 * <p>Progress: one {@link ProgressEvent} per finished projection, phase {@code "compress"}, done / total, the
 * projection's functional error as the objective, its name as the subject and an ETA; cancel through the event or by
 * interrupting the calling thread.
 */
public final class ModelCompressor {
    private final java.util.function.Function<String, Compressor> compressors; // by projection name
    private final int workers;
    private final ProgressListener progress;

    /**
     * @param compressor the per-matrix settings (built with the parallelism each task may use inside)
     * @param workers    projections compressed at once, ≥ 1
     * @param progress   hears one event per finished projection (may be null)
     */
    public ModelCompressor(Compressor compressor, int workers, ProgressListener progress) {
        this(checked(compressor), workers, progress);
    }

    /**
     * A compressor per projection (a per-matrix budget, e.g. from a {@code plan.BudgetPlan}): {@code compressors}
     * maps a projection name to its compressor and must not return null for a selected projection.
     */
    public ModelCompressor(java.util.function.Function<String, Compressor> compressors, int workers, ProgressListener progress) {
        if (compressors == null) throw new IllegalArgumentException("compressors must not be null");
        if (workers < 1) throw new IllegalArgumentException("workers must be positive, got " + workers);
        this.compressors = compressors;
        this.workers = workers;
        this.progress = progress == null ? ProgressListener.none() : progress;
    }

    private static java.util.function.Function<String, Compressor> checked(Compressor compressor) {
        if (compressor == null) throw new IllegalArgumentException("compressor must not be null");
        return name -> compressor;
    }

    /**
     * Compresses the {@code selected} projections of {@code model} (all when null) with their {@code grams} (by
     * projection name; a missing Gram is an error before any work starts) and hands each result to {@code done}.
     * Returns the results in the model's projection order.
     */
    public Map<String, CompressedMatrix> compress(ProjectionWeights model, Map<String, CalibrationStats> grams,
                                                  List<String> selected, BiConsumer<String, CompressedMatrix> done) {
        final List<Projection> tasks = new ArrayList<>();
        for (Projection p : model.projections()) {
            if (selected != null && !selected.contains(p.name())) continue;
            requireGram(p, grams);
            tasks.add(p);
        }
        if (selected != null) {
            for (String s : selected) model.projection(s); // unknown names fail here
        }
        final List<List<String>> units = new ArrayList<>();
        for (Projection p : tasks) units.add(List.of(p.name()));
        return run(model, grams, units, done, null);
    }

    /**
     * Compresses every projection of {@code model} in the groups of {@code grouping} (docs/design.md §5.8): a group of
     * two or more with one shared dictionary ({@link Compressor#compressGroup}, each member's functional error under its
     * own Gram; a group is compressed with its first member's compressor), a group of one exactly as
     * {@link #compress(ProjectionWeights, Map, List, BiConsumer)} does. Groups run
     * largest first on the workers; each member is handed to {@code done} when its group is finished, and the members of
     * a group reference one dictionary object. Progress: one event per member, as above. Returns the results in the
     * model's projection order.
     *
     * @throws IllegalArgumentException before any work for a missing Gram or a group whose members' input sizes differ
     */
    public Map<String, CompressedMatrix> compressGroups(ProjectionWeights model, Map<String, CalibrationStats> grams, Grouping grouping,
                                                  BiConsumer<String, CompressedMatrix> done) {
        final List<List<String>> groups = grouping.groups(model);
        for (List<String> g : groups) {
            for (String name : g) requireGram(model.projection(name), grams);
        }
        return run(model, grams, groups, done, null);
    }

    /**
     * Compresses the given units — each a list of projection names: one projection, or a group sharing one dictionary as
     * in {@link #compressGroups} — largest first on the workers, and hands each finished unit to {@code unitDone}
     * (its names and their factors, in the unit's order; the members of a group reference one dictionary object) after
     * {@code done} heard its members. A job's compression stage runs its pending units through this.
     *
     * @throws IllegalArgumentException before any work for a missing Gram, an unknown name or a group whose members'
     *                                  input sizes differ
     */
    public Map<String, CompressedMatrix> compressUnits(ProjectionWeights model, Map<String, CalibrationStats> grams, List<List<String>> units,
                                                       BiConsumer<String, CompressedMatrix> done,
                                                       BiConsumer<List<String>, List<CompressedMatrix>> unitDone) {
        for (List<String> u : units) {
            if (u.isEmpty()) throw new IllegalArgumentException("a unit must name at least one projection");
            final int d1 = model.projection(u.get(0)).inFeatures();
            for (String name : u) {
                final Projection p = model.projection(name);
                requireGram(p, grams);
                if (p.inFeatures() != d1) {
                    throw new IllegalArgumentException("group " + u + ": '" + name + "' has inFeatures=" + p.inFeatures() + ", '" + u.get(0) + "' has " + d1);
                }
            }
        }
        return run(model, grams, units, done, unitDone);
    }

    /**
     * One unit's factors, in the unit's order: {@link Compressor#compress} for a projection alone,
     * {@link Compressor#compressGroup} (one shared dictionary) for a group. The Grams are trusted (checked at the door).
     * Reads only the unit's weights from {@code model}.
     *
     * @throws IOException when {@code model} reads its weights from a file and a read fails
     */
    public static List<CompressedMatrix> compressUnit(Compressor compressor, ProjectionWeights model, List<String> names,
                                                      Map<String, CalibrationStats> grams) throws IOException {
        if (names.size() == 1) return List.of(compressor.compress(model.weight(names.get(0)), grams.get(names.get(0))));
        final List<org.ejml.data.FMatrixRMaj> weights = new ArrayList<>();
        final List<CalibrationStats> stats = new ArrayList<>();
        for (String n : names) {
            weights.add(model.weight(n));
            stats.add(grams.get(n));
        }
        return compressor.compressGroup(weights, stats).members();
    }

    /** The projection's Gram exists and has its input size, or an exception naming the projection. */
    private static void requireGram(Projection p, Map<String, CalibrationStats> grams) {
        final CalibrationStats g = grams.get(p.name());
        if (g == null) throw new IllegalArgumentException("no calibration Gram for projection '" + p.name() + "'");
        if (g.inFeatures() != p.inFeatures()) {
            throw new IllegalArgumentException("Gram of '" + p.name() + "' is " + g.inFeatures() + "x" + g.inFeatures()
                    + ", the projection has inFeatures=" + p.inFeatures());
        }
    }

    /**
     * Runs the units (one projection, or a group sharing one dictionary) largest first on the workers: a unit of one
     * is {@link Compressor#compress}, a larger one {@link Compressor#compressGroup} with its first member's
     * compressor. One progress event per projection; the first failure is rethrown naming its unit. Returns the
     * results in the model's projection order.
     */
    private Map<String, CompressedMatrix> run(ProjectionWeights model, Map<String, CalibrationStats> grams, List<List<String>> units,
                                              BiConsumer<String, CompressedMatrix> done,
                                              BiConsumer<List<String>, List<CompressedMatrix>> unitDone) {
        int total = 0;
        for (List<String> u : units) total += u.size();
        final int projections = total;
        final List<List<String>> order = new ArrayList<>(units);
        order.sort(Comparator.comparingLong((List<String> g) -> {
            long size = 0;
            for (String n : g) size += (long) model.projection(n).outFeatures() * model.projection(n).inFeatures();
            return -size;
        }));
        final Map<String, CompressedMatrix> results = Collections.synchronizedMap(new LinkedHashMap<>());
        final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean cancelled = new AtomicBoolean();
        long entries = 0;
        for (List<String> g : order) for (String n : g) entries += (long) model.projection(n).outFeatures() * model.projection(n).inFeatures();
        final boolean warm = !order.isEmpty() && JitWarmup.claim(entries);
        final int threads = Math.min(workers, order.size());
        final AtomicInteger workerIds = new AtomicInteger();
        final Compressor first = warm ? compressors.apply(order.get(0).get(0)) : null;
        final long start = System.nanoTime();
        final Object lock = new Object();
        final Runnable worker = () -> {
            if (first != null) JitWarmup.run(first, workerIds.getAndIncrement(), threads); // a fresh JVM's first large run
            int i;
            while (failure.get() == null && !cancelled.get() && (i = next.getAndIncrement()) < order.size()) {
                final List<String> g = order.get(i);
                final String unit = g.size() == 1 ? "projection '" + g.get(0) + "'" : "group " + g;
                try {
                    final Compressor compressor = compressors.apply(g.get(0));
                    if (compressor == null) throw new IllegalArgumentException("no compressor for the projection");
                    final List<CompressedMatrix> members = compressUnit(compressor, model, g, grams);
                    synchronized (lock) {
                        if (failure.get() != null || cancelled.get()) return;
                        // the unit is handed on (and a job's factors written) before its progress events
                        for (int m = 0; m < g.size(); m++) {
                            results.put(g.get(m), members.get(m));
                            if (done != null) done.accept(g.get(m), members.get(m));
                        }
                        if (unitDone != null) unitDone.accept(g, members);
                        for (int m = 0; m < g.size(); m++) {
                            final ProgressEvent e = new ProgressEvent("compress", finished.incrementAndGet(), projections,
                                    members.get(m).report().functionalError(), Duration.ofNanos(System.nanoTime() - start), g.get(m));
                            progress.onProgress(e);
                            if (e.isCancelled()) cancelled.set(true);
                        }
                    }
                } catch (CancellationException | Error t) {
                    failure.compareAndSet(null, t);
                } catch (IllegalArgumentException t) {
                    failure.compareAndSet(null, new IllegalArgumentException(unit + ": " + t.getMessage(), t));
                } catch (Throwable t) {
                    failure.compareAndSet(null, new IllegalStateException(unit + ": " + t, t));
                }
            }
        };
        try {
            io.github.cospadi.common.Parallelism.onThreads("model compression", threads, worker);
        } catch (CancellationException e) {
            cancelled.set(true);
            throw e;
        }
        final Throwable t = failure.get();
        if (t instanceof RuntimeException) throw (RuntimeException) t;
        if (t instanceof Error) throw (Error) t;
        if (cancelled.get()) throw new CancellationException("model compression cancelled after " + finished.get() + " of " + projections + " projections");
        final Map<String, CompressedMatrix> ordered = new LinkedHashMap<>();
        for (Projection p : model.projections()) if (results.containsKey(p.name())) ordered.put(p.name(), results.get(p.name()));
        return ordered;
    }
}
