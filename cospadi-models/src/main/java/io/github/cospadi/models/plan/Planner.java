package io.github.cospadi.models.plan;

import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.llama.LlamaModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The adaptive plan of a Llama model (docs/design.md §12): the error curves of every projection (SVD-LLM's exact
 * spectrum and one CoSpaDi probe), the perturbation sensitivities, the candidates at {@link #CANDIDATE_RATIOS} and
 * the allocation. Every step is a pure function of its inputs, so the plan does not depend on the number of workers.
 */
public final class Planner {
    /** The ratios γ' at which CoSpaDi and SVD-LLM candidates are offered (plus "keep dense"). */
    public static final double[] CANDIDATE_RATIOS = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7,
            0.75, 0.8, 0.85, 0.9};

    /** The smallest SVD-LLM error a sensitivity is measured with (a lower rank is used when γ's rank gives less). */
    public static final double MIN_PERTURBATION = 0.02;

    private Planner() {}

    /**
     * Everything the plan was made from.
     *
     * @param curvesSeconds      wall time of the spectra and probes
     * @param sensitivitySeconds wall time of the perturbations
     * @param allocateSeconds    wall time of the allocation
     */
    public record Result(BudgetPlan plan, Map<String, ErrorCurves> curves, Map<String, Sensitivity.Result> sensitivities,
                         double curvesSeconds, double sensitivitySeconds, double allocateSeconds) {}

    /**
     * Where a planning keeps its finished steps so that a restarted planning does not measure them again (a job's
     * directory, {@code CompressionJob}): each projection's measured curves and each perturbation group's
     * sensitivities (the group named by its first member). Its methods may be called from several worker threads at
     * once. Every saved step is the bits the step would compute again, so a plan with a checkpoint is the plan without.
     */
    public interface Checkpoint {
        /** The measured curves of {@code projection} saved before, or null. */
        ErrorCurves savedCurves(String projection);

        /** Saves the measured curves of {@code projection} (before any borrowed probe). */
        void saveCurves(String projection, ErrorCurves curves);

        /** The results of the perturbation group whose first member is {@code group}, by member, saved before; or null. */
        Map<String, Sensitivity.Result> savedGroup(String group);

        /** Saves the results of a perturbation group, by member. */
        void saveGroup(String group, Map<String, Sensitivity.Result> members);
    }

    /** Hears progress: a phase ("curves", "sensitivity") and a finished projection. */
    @FunctionalInterface
    public interface Progress {
        void onProjection(String phase, int done, int total, String projection);
    }

    /**
     * @param probe       the CoSpaDi compressor of the probe runs (a ratio — normally γ — and the compression's own
     *                    settings with few iterations); null offers SVD-LLM and dense only
     * @param rho         ρ = k/s of the CoSpaDi candidates
     * @param svdOnly     offer no CoSpaDi candidates (the "SVD-LLM adaptive" plan), even with a probe
     * @param windows     calibration windows for the sensitivities
     * @param workers     projections processed at once
     */
    public static Result plan(LlamaModel model, Map<String, CalibrationStats> grams, double ratio, Compressor probe, double rho,
                              boolean svdOnly, List<int[]> windows, int workers, Progress progress) {
        return plan(model, grams, ratio, probe, rho, svdOnly, windows, workers, progress, Double.POSITIVE_INFINITY);
    }

    /**
     * As {@link #plan(LlamaModel, Map, double, Compressor, double, boolean, List, int, Progress)}, offering only the
     * candidate ratios γ' with |γ' − γ| ≤ {@code spread} (and "keep dense" only when γ − spread ≤ 0): the CoSpaDi
     * curve is one probe at γ, so far from γ it is an extrapolation (docs/benchmarks.md §13).
     */
    public static Result plan(LlamaModel model, Map<String, CalibrationStats> grams, double ratio, Compressor probe, double rho,
                              boolean svdOnly, List<int[]> windows, int workers, Progress progress, double spread) {
        return plan(model, grams, ratio, probe, rho, svdOnly, windows, workers, progress, spread, Integer.MAX_VALUE, Sensitivity.Measure.LOSS);
    }

    /**
     * As {@link #plan(LlamaModel, Map, double, Compressor, double, boolean, List, int, Progress, double)}, measured
     * per projection type in {@code bands} depth bands (docs/design.md §12, bands): one sensitivity per type and band
     * ({@link Sensitivity#measure(LlamaModel, Map, List, java.util.function.Function, double, int, int,
     * Sensitivity.Progress)}) and one CoSpaDi probe, on the band's middle layer, whose advantage over SVD-LLM the
     * band's other matrices borrow ({@link ErrorCurves#withProbeOf}); SVD-LLM's curve stays exact per matrix.
     * {@code bands} ≥ the number of layers measures every projection alone. {@code measure} is what a perturbation's
     * ΔL is ({@link Sensitivity.Measure}).
     */
    public static Result plan(LlamaModel model, Map<String, CalibrationStats> grams, double ratio, Compressor probe, double rho,
                              boolean svdOnly, List<int[]> windows, int workers, Progress progress, double spread, int bands,
                              Sensitivity.Measure measure) {
        return plan(model, grams, ratio, probe, rho, svdOnly, windows, workers, progress, spread, bands, measure, null);
    }

    /**
     * As {@link #plan(LlamaModel, Map, double, Compressor, double, boolean, List, int, Progress, double, int,
     * Sensitivity.Measure)}, with sensitivities measured before ({@code known}, by projection name: every projection of
     * the model; a {@link Sensitivity.Saved} file's results, perhaps measured at another γ) instead of measuring them:
     * {@code windows}, {@code bands} (for the sensitivities; the probes still use it) and {@code measure} are then
     * unused for them. Null measures as usual.
     */
    public static Result plan(LlamaModel model, Map<String, CalibrationStats> grams, double ratio, Compressor probe, double rho,
                              boolean svdOnly, List<int[]> windows, int workers, Progress progress, double spread, int bands,
                              Sensitivity.Measure measure, Map<String, Sensitivity.Result> known) {
        return plan(model, grams, ratio, probe, rho, svdOnly, windows, workers, progress, spread, bands, measure, known, null);
    }

    /**
     * As {@link #plan(LlamaModel, Map, double, Compressor, double, boolean, List, int, Progress, double, int,
     * Sensitivity.Measure, Map)}, keeping each finished curve and sensitivity group in {@code checkpoint} (null: none)
     * and taking the ones it holds instead of measuring them.
     */
    public static Result plan(LlamaModel model, Map<String, CalibrationStats> grams, double ratio, Compressor probe, double rho,
                              boolean svdOnly, List<int[]> windows, int workers, Progress progress, double spread, int bands,
                              Sensitivity.Measure measure, Map<String, Sensitivity.Result> known, Checkpoint checkpoint) {
        if (!(spread > 0)) throw new IllegalArgumentException("spread must be positive, got " + spread);
        final double[] offered = java.util.Arrays.stream(CANDIDATE_RATIOS).filter(g -> Math.abs(g - ratio) <= spread + 1e-12).toArray();
        final boolean dense = ratio - spread <= 0;
        final List<Projection> projections = model.projections();
        for (Projection p : projections) {
            if (grams.get(p.name()) == null) throw new IllegalArgumentException("no calibration Gram for projection '" + p.name() + "'");
        }
        final Progress listener = progress == null ? (phase, d, t, n) -> { } : progress;
        long t0 = System.nanoTime();
        final ErrorCurves[] curves = new ErrorCurves[projections.size()];
        final Compressor usedProbe = svdOnly ? null : probe;
        // the probe runs on one representative per type and band (its middle layer); the others borrow its advantage
        final int perLayer = LlamaModel.PROJECTIONS.size();
        final int[] representative = new int[projections.size()];
        for (int[] g : Sensitivity.groups(projections.size() / perLayer, perLayer, bands)) {
            for (int m : g) representative[m] = g[g.length / 2];
        }
        parallel("planning", projections.size(), workers, i -> {
            final Projection p = projections.get(i);
            final ErrorCurves saved = checkpoint == null ? null : checkpoint.savedCurves(p.name());
            if (saved != null) {
                curves[i] = saved;
            } else {
                curves[i] = ErrorCurves.measure(model.weight(p.name()), grams.get(p.name()), representative[i] == i ? usedProbe : null,
                        Parallelism.sequential());
                if (checkpoint != null) checkpoint.saveCurves(p.name(), curves[i]);
            }
            return p.name();
        }, (done, name) -> listener.onProjection("curves", done, projections.size(), name));
        if (usedProbe != null) {
            for (int i = 0; i < curves.length; i++) if (representative[i] != i) curves[i] = curves[i].withProbeOf(curves[representative[i]]);
        }
        final double curvesSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        // the perturbation: SVD-LLM at γ, or at the largest rank whose exact error reaches MIN_PERTURBATION when the
        // error at γ is smaller (rank-deficient Grams: an error of ~0 would make w unmeasurable)
        final Map<String, Integer> ranks = new LinkedHashMap<>();
        for (int i = 0; i < projections.size(); i++) {
            final Projection p = projections.get(i);
            final int rGamma = (int) Math.floor((1 - ratio) * (double) p.inFeatures() * p.outFeatures() / ((double) p.inFeatures() + p.outFeatures()));
            final int max = Math.min(p.inFeatures(), p.outFeatures());
            int r = Math.max(1, Math.min(rGamma, max));
            if (curves[i].svdLlmError(r) < MIN_PERTURBATION) {
                while (r > 1 && curves[i].svdLlmError(r) < MIN_PERTURBATION) r--;
                ranks.put(p.name(), r);
            }
        }
        final Map<String, Sensitivity.Result> sens = known != null ? new Sensitivity.Saved(Map.of(), known, "").resultsFor(projections, "known sensitivities")
                : Sensitivity.measure(model, grams, windows, ranks::get, ratio, bands, measure, workers,
                (done, total, name) -> listener.onProjection("sensitivity", done, total, name), checkpoint);
        final double sensitivitySeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        // a negative ΔL (the quadratic model fails) gets the smallest positive weight measured, not 0: a zero weight
        // would send the matrix to its cheapest candidate on the strength of a noise-level measurement
        double floor = Double.POSITIVE_INFINITY;
        for (Sensitivity.Result r : sens.values()) if (r.weight() > 0) floor = Math.min(floor, r.weight());
        if (!Double.isFinite(floor)) floor = 0;
        final List<MatrixOptions> options = new ArrayList<>();
        final Map<String, ErrorCurves> curveMap = new LinkedHashMap<>();
        for (int i = 0; i < projections.size(); i++) {
            final Projection p = projections.get(i);
            final Sensitivity.Result r = sens.get(p.name());
            final double w = r.negative() ? floor : r.weight();
            options.add(new MatrixOptions(p.name(), p.outFeatures(), p.inFeatures(), w, withoutDense(curves[i].candidates(offered, rho), dense)));
            curveMap.put(p.name(), curves[i]);
        }
        final BudgetPlan plan = Allocator.allocate(options, ratio);
        return new Result(plan, curveMap, sens, curvesSeconds, sensitivitySeconds, (System.nanoTime() - t0) / 1e9);
    }

    private static List<Candidate> withoutDense(List<Candidate> candidates, boolean keepDense) {
        if (keepDense) return candidates;
        final List<Candidate> out = new ArrayList<>();
        for (Candidate c : candidates) if (c.kind() != Candidate.Kind.DENSE) out.add(c);
        return out;
    }

    @FunctionalInterface
    interface Task {
        String run(int index);
    }

    @FunctionalInterface
    interface Done {
        void accept(int done, String name);
    }

    /**
     * Runs tasks 0..n−1 on {@code workers} threads (the caller's among them, the others named after {@code what});
     * an interrupted wait is a CancellationException "{@code what} interrupted";
     * {@code done} hears each finished task under a lock; the first failure is rethrown.
     */
    static void parallel(String what, int n, int workers, Task task, Done done) {
        if (n == 0) return;
        final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        final Object lock = new Object();
        final Runnable worker = () -> {
            int i;
            while (failure.get() == null && (i = next.getAndIncrement()) < n) {
                try {
                    final String name = task.run(i);
                    synchronized (lock) {
                        done.accept(finished.incrementAndGet(), name);
                    }
                } catch (RuntimeException t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        io.github.cospadi.common.Parallelism.onThreads(what, Math.min(workers, n), worker);
        if (failure.get() != null) throw failure.get();
    }
}
