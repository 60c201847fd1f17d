package io.github.cospadi.models.plan;

import io.github.cospadi.internal.JsonFields;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.kernel.DenseLinear;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.llama.LlamaModel;
import org.ejml.data.FMatrixRMaj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loss sensitivities by perturbation (docs/design.md §12): for each projection m, W_m alone is replaced by its
 * SVD-LLM approximation at ratio γ (functional error e_m) and the mean loss (nats per predicted token) on a few
 * calibration windows is measured again; w_m = ΔL_m / e_m². The residual stream entering every layer is computed
 * once per window, so the perturbation of a projection of layer l reruns only layers l..L−1 and the head.
 *
 * <p>w_m = 0 when e_m = 0 (nothing to measure) and when ΔL_m ≤ 0 (the quadratic model does not hold; counted as
 * {@link Result#negative}). Projections are measured on a few worker threads, each result a pure function of the
 * model, the Gram, the windows and γ, so the sensitivities do not depend on the number of workers.
 */
@SuppressWarnings("unchecked") // the parsed JSON's maps
public final class Sensitivity {
    private Sensitivity() {}

    /**
     * One projection's measurement.
     *
     * @param error     e_m, the functional error of the SVD-LLM perturbation
     * @param lossDelta ΔL_m in nats per token
     * @param weight    w_m = max(ΔL_m, 0)/e_m² (0 when e_m = 0)
     * @param negative  ΔL_m &lt; 0
     */
    public record Result(double error, double lossDelta, double weight, boolean negative) {}

    /**
     * Sensitivities as saved to a file ({@link #toJson}) and read back ({@link #fromJson}), to plan again — at another
     * γ, with another method — without measuring them again: what they were measured with ({@code about}: measure,
     * bands, windows, perturbation ratio, model) and one {@link Result} per projection.
     *
     * @param sha256 the SHA-256 of the file's bytes (empty for results not read from a file)
     */
    public record Saved(Map<String, String> about, Map<String, Result> results, String sha256) {
        public Saved {
            about = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(about));
            results = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(results));
        }

        /** The results, checked to name exactly {@code model}'s projections. */
        public Map<String, Result> resultsFor(List<Projection> projections, String source) {
            final java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (Projection p : projections) names.add(p.name());
            if (!names.equals(results.keySet())) {
                final java.util.Set<String> missing = new java.util.TreeSet<>(names), extra = new java.util.TreeSet<>(results.keySet());
                missing.removeAll(results.keySet());
                extra.removeAll(names);
                throw new IllegalArgumentException(source + ": the sensitivities are not this model's: " + missing.size() + " projections missing"
                        + (missing.isEmpty() ? "" : " (e.g. '" + missing.iterator().next() + "')") + ", " + extra.size() + " unknown"
                        + (extra.isEmpty() ? "" : " (e.g. '" + extra.iterator().next() + "')"));
            }
            return results;
        }
    }

    /**
     * The sensitivities as one JSON object: {@code about} (strings) and {@code projections}, each with {@code error},
     * {@code loss_delta}, {@code weight} (doubles as the shortest decimal that reads back exactly) and {@code negative}.
     */
    public static String toJson(Map<String, String> about, Map<String, Result> results) {
        final StringBuilder b = new StringBuilder("{\"about\": {");
        int i = 0;
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(about).entrySet()) {
            if (i++ > 0) b.append(", ");
            b.append(io.github.cospadi.internal.JsonStrings.quote(e.getKey())).append(": ").append(io.github.cospadi.internal.JsonStrings.quote(e.getValue()));
        }
        b.append("}, \"projections\": {");
        i = 0;
        for (Map.Entry<String, Result> e : results.entrySet()) {
            final Result r = e.getValue();
            if (i++ > 0) b.append(",");
            b.append("\n  ").append(io.github.cospadi.internal.JsonStrings.quote(e.getKey())).append(": {\"error\": ").append(r.error())
                    .append(", \"loss_delta\": ").append(r.lossDelta()).append(", \"weight\": ").append(r.weight())
                    .append(", \"negative\": ").append(r.negative()).append('}');
        }
        return b.append("\n}}\n").toString();
    }

    /**
     * Reads sensitivities written by {@link #toJson}; {@code source} names the file in messages.
     *
     * @throws IllegalArgumentException for malformed JSON or a missing, mistyped or non-finite field, naming it
     */
    public static Saved fromJson(byte[] json, String source) {
        final Map<String, Object> m = io.github.cospadi.internal.JsonParser.parseExactObject(new String(json, java.nio.charset.StandardCharsets.UTF_8), source);
        if (!(m.get("about") instanceof Map) || !(m.get("projections") instanceof Map)) {
            throw new IllegalArgumentException(source + ": expected an object with 'about' and 'projections' objects");
        }
        final Map<String, String> about = new java.util.TreeMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m.get("about")).entrySet()) about.put(e.getKey(), String.valueOf(e.getValue()));
        final Map<String, Result> results = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m.get("projections")).entrySet()) {
            final String where = source + ": projections['" + e.getKey() + "']";
            if (!(e.getValue() instanceof Map)) throw new IllegalArgumentException(where + " must be an object");
            final Map<String, Object> r = (Map<String, Object>) e.getValue();
            final double error = JsonFields.finite(r, "error", where), delta = JsonFields.finite(r, "loss_delta", where), weight = JsonFields.finite(r, "weight", where);
            if (error < 0 || weight < 0) throw new IllegalArgumentException(where + ": error and weight must be >= 0, got " + error + ", " + weight);
            results.put(e.getKey(), new Result(error, delta, weight, JsonFields.bool(r, "negative", where)));
        }
        if (results.isEmpty()) throw new IllegalArgumentException(source + ": no projections");
        final java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
        }
        return new Saved(about, results, java.util.HexFormat.of().formatHex(md.digest(json)));
    }

    /**
     * What a perturbation's ΔL is (docs/design.md §12): the increase of the mean loss (nats per predicted token) on the
     * windows, or the mean KL divergence KL(p ‖ p̃) per token between the dense model's next-token distribution p and
     * the perturbed one's p̃ — the loss increase expected where the dense model's predictions are the data's, without
     * the first-order noise of the measured loss (never negative).
     */
    public enum Measure {
        /** ΔL = mean nats per token of the perturbed model − of the dense model. */
        LOSS,
        /** ΔL = mean over predicted positions of Σ_v p(v)·(log p(v) − log p̃(v)). */
        KL,
        /**
         * ΔL = (1/2T) Σ_windows Σ_t (g^ε_{m,t}·ΔY_{m,t})², an empirical Fisher estimate of the perturbation, from one
         * backward pass per window for all projections at once (g^ε_{m,t} = ∂L_ε/∂Y_m at position t for the loss with
         * random signs L_ε = Σ_t ε_t·ℓ_t, ΔY_m = X_m·ΔW_mᵀ).
         */
        FISHER;

        /** The measure named {@code name} ("loss", "kl", "fisher"), or an exception naming it. */
        public static Measure parse(String name) {
            switch (name) {
                case "loss": return LOSS;
                case "kl": return KL;
                case "fisher": return FISHER;
                default: throw new IllegalArgumentException("sensitivity measure must be loss, kl or fisher, got '" + name + "'");
            }
        }
    }

    /** Hears progress: one call per finished projection (from any worker thread, serialized). */
    @FunctionalInterface
    public interface Progress {
        void onProjection(int done, int total, String projection);
    }

    /**
     * Measures every projection of {@code model} (not modified) with the Grams {@code grams} (by projection name) on
     * {@code windows} (each ≥ 2 tokens) at ratio γ, on {@code workers} threads.
     */
    public static Map<String, Result> measure(LlamaModel model, Map<String, CalibrationStats> grams, List<int[]> windows, double ratio,
                                              int workers, Progress progress) {
        return measure(model, grams, windows, name -> null, ratio, workers, progress);
    }

    /**
     * As {@link #measure(LlamaModel, Map, List, double, int, Progress)}, with the perturbation's rank given per
     * projection ({@code ranks} returns null for the rank of γ): a matrix whose SVD-LLM error at γ is too small to
     * move the loss measurably (a rank-deficient Gram) is perturbed at a lower rank instead.
     */
    public static Map<String, Result> measure(LlamaModel model, Map<String, CalibrationStats> grams, List<int[]> windows,
                                              java.util.function.Function<String, Integer> ranks, double ratio, int workers, Progress progress) {
        return measure(model, grams, windows, ranks, ratio, Integer.MAX_VALUE, Measure.LOSS, workers, progress);
    }

    /**
     * As {@link #measure(LlamaModel, Map, List, java.util.function.Function, double, int, Progress)}, measured per
     * projection type and depth band (docs/design.md §12): the layers are cut into {@code bands} consecutive bands
     * (band b holds layers ⌊b·L/B⌋ … ⌊(b+1)·L/B⌋ − 1), and the projections of one type in one band are perturbed
     * together, one measurement ΔL_g for the group g, shared by its members as w_m = max(ΔL_g, 0) / Σ_{m∈g} e_m². With
     * {@code bands} ≥ L every group is one projection and this is the per-projection measurement exactly. The cost is
     * one perturbation per group instead of per projection: 7·B rather than 7·L reruns from the group's first layer.
     * Each member's {@link Result#lossDelta} is its group's ΔL_g, by {@code measure}; {@code progress} hears one call
     * per group, named after its first member. {@link Measure#FISHER} is per projection whatever {@code bands} (one
     * backward pass per window measures them all; its {@code progress} hears one call per window). {@link Measure#KL} keeps the dense model's probabilities of every window
     * (4 bytes per position and vocabulary entry) and refuses windows for which they would take more than a
     * quarter of the heap.
     */
    public static Map<String, Result> measure(LlamaModel model, Map<String, CalibrationStats> grams, List<int[]> windows,
                                              java.util.function.Function<String, Integer> ranks, double ratio, int bands, Measure measure,
                                              int workers, Progress progress) {
        return measure(model, grams, windows, ranks, ratio, bands, measure, workers, progress, null);
    }

    /**
     * As {@link #measure(LlamaModel, Map, List, java.util.function.Function, double, int, Measure, int, Progress)},
     * taking the groups {@code checkpoint} holds (null: none) and saving each group it measures there.
     */
    static Map<String, Result> measure(LlamaModel model, Map<String, CalibrationStats> grams, List<int[]> windows,
                                       java.util.function.Function<String, Integer> ranks, double ratio, int bands, Measure measure,
                                       int workers, Progress progress, Planner.Checkpoint checkpoint) {
        if (measure == null) throw new IllegalArgumentException("measure must not be null");
        if (windows == null || windows.isEmpty()) throw new IllegalArgumentException("windows must be non-empty");
        for (int i = 0; i < windows.size(); i++) {
            if (windows.get(i).length < 2) throw new IllegalArgumentException("window " + i + " has " + windows.get(i).length + " tokens; at least 2 are needed");
        }
        if (workers < 1) throw new IllegalArgumentException("workers must be positive, got " + workers);
        if (bands < 1) throw new IllegalArgumentException("bands must be positive, got " + bands);
        final List<Projection> projections = model.projections();
        for (Projection p : projections) {
            if (grams.get(p.name()) == null) throw new IllegalArgumentException("no calibration Gram for projection '" + p.name() + "'");
        }
        final int perLayer = LlamaModel.PROJECTIONS.size();
        final int layers = projections.size() / perLayer;
        final List<int[]> groups = groups(layers, perLayer, bands);
        final Compressor svd = Compressor.builder().method(Method.SVD_LLM).ratio(ratio).parallelism(Parallelism.sequential()).build();
        final long positions = windows.stream().mapToLong(w -> w.length - 1).sum();
        final long vocabulary = model.config().vocabSize();
        if (measure == Measure.KL && 4 * positions * vocabulary > Runtime.getRuntime().maxMemory() / 4) {
            throw new IllegalArgumentException("the KL sensitivity keeps the dense probabilities of " + windows.size() + " windows ("
                    + positions + " positions × " + vocabulary + " tokens = " + (4 * positions * vocabulary >> 20)
                    + " MiB), over a quarter of the heap (" + (Runtime.getRuntime().maxMemory() >> 20) + " MiB): use fewer windows or a larger -Xmx");
        }
        final Result[] results = new Result[projections.size()];
        final List<Integer> pending = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            final Map<String, Result> saved = checkpoint == null ? null : checkpoint.savedGroup(projections.get(groups.get(gi)[0]).name());
            if (saved == null) {
                pending.add(gi);
                continue;
            }
            for (int m : groups.get(gi)) {
                final Result r = saved.get(projections.get(m).name());
                if (r == null) throw new IllegalStateException("the saved sensitivities of group '" + projections.get(groups.get(gi)[0]).name()
                        + "' miss member '" + projections.get(m).name() + "'");
                results[m] = r;
            }
        }
        if (measure == Measure.FISHER) {
            if (!pending.isEmpty()) fisher(model, grams, windows, ranks, svd, groups, pending, positions, workers, progress, checkpoint, results);
            final Map<String, Result> out = new LinkedHashMap<>();
            for (int i = 0; i < projections.size(); i++) out.put(projections.get(i).name(), results[i]);
            return out;
        }
        final List<List<FMatrixRMaj>> streams = new ArrayList<>();
        final List<Distributions> dense = new ArrayList<>();
        double base = 0;
        for (int[] w : pending.isEmpty() ? List.<int[]>of() : windows) {
            final List<FMatrixRMaj> s = model.residualStream(w);
            streams.add(s);
            // the cached input of the last layer: the rest of the dense pass, not all of it again
            final FMatrixRMaj z = model.logitsFrom(layers - 1, s.get(layers - 1));
            base += nats(z, w);
            if (measure == Measure.KL) dense.add(distributions(z, w.length - 1));
        }
        final double baseLoss = base / positions;
        // the groups run on the workers, each pass on one thread (the model's own threads when there is one worker)
        final Parallelism each = Math.min(workers, pending.size()) > 1 ? Parallelism.sequential() : model.parallelism();
        final int savedGroups = groups.size() - pending.size();
        Planner.parallel("sensitivity measurement", pending.size(), workers, pi -> {
            final int[] members = groups.get(pending.get(pi));
            final double[] errors = new double[members.length];
            final FMatrixRMaj[] approx = new FMatrixRMaj[members.length];
            double sumSquares = 0;
            for (int j = 0; j < members.length; j++) {
                final Projection p = projections.get(members[j]);
                try {
                    final CompressedMatrix c = perturbation(model.weight(p.name()), grams.get(p.name()), ranks.apply(p.name()), svd);
                    final double e = c.report().functionalError();
                    if (e > 0 && Double.isFinite(e)) {
                        errors[j] = e;
                        approx[j] = c.reconstruct();
                        sumSquares += e * e;
                    } else {
                        errors[j] = Double.isFinite(e) ? e : 0;
                    }
                } catch (RuntimeException t) {
                    throw new IllegalStateException("sensitivity of '" + p.name() + "': " + t.getMessage(), t);
                }
            }
            if (!(sumSquares > 0)) {
                for (int j = 0; j < members.length; j++) results[members[j]] = new Result(errors[j], 0, 0, false);
            } else {
                final LlamaModel perturbed = model.copy();
                int layer = Integer.MAX_VALUE;
                for (int j = 0; j < members.length; j++) {
                    if (approx[j] == null) continue;
                    perturbed.replace(projections.get(members[j]).name(), DenseLinear.wrap(approx[j]));
                    layer = Math.min(layer, members[j] / perLayer);
                }
                double nats = 0;
                try {
                    for (int wi = 0; wi < windows.size(); wi++) {
                        final FMatrixRMaj z = perturbed.logitsFrom(layer, streams.get(wi).get(layer), each);
                        nats += measure == Measure.KL ? divergence(dense.get(wi), z, windows.get(wi).length - 1) : Sensitivity.nats(z, windows.get(wi));
                    }
                } catch (RuntimeException t) {
                    throw new IllegalStateException("sensitivity of '" + projections.get(members[0]).name() + "': " + t.getMessage(), t);
                }
                final double delta = measure == Measure.KL ? nats / positions : nats / positions - baseLoss;
                final double weight = Math.max(delta, 0) / sumSquares;
                for (int j = 0; j < members.length; j++) {
                    results[members[j]] = approx[j] == null ? new Result(errors[j], 0, 0, false) : new Result(errors[j], delta, weight, delta < 0);
                }
            }
            if (checkpoint != null) {
                final Map<String, Result> measured = new LinkedHashMap<>();
                for (int m : members) measured.put(projections.get(m).name(), results[m]);
                checkpoint.saveGroup(projections.get(members[0]).name(), measured);
            }
            return projections.get(members[0]).name();
        }, (finished, name) -> {
            if (progress != null) progress.onProjection(savedGroups + finished, groups.size(), name);
        });
        final Map<String, Result> out = new LinkedHashMap<>();
        for (int i = 0; i < projections.size(); i++) out.put(projections.get(i).name(), results[i]);
        return out;
    }

    /** A projection's perturbation: SVD-LLM at γ ({@code svd}), or at {@code rank} when one is given. */
    private static CompressedMatrix perturbation(FMatrixRMaj weight, CalibrationStats gram, Integer rank, Compressor svd) {
        final Compressor c = rank == null ? svd : Compressor.builder().method(Method.SVD_LLM).rank(rank).parallelism(Parallelism.sequential()).build();
        return c.compress(weight, gram);
    }

    /** The seed of the Fisher measure's random loss signs (window i uses SIGN_SEED + i). */
    private static final long SIGN_SEED = 0x5167_0001L;

    /**
     * The signs ε_t ∈ {−1, +1} of the Fisher measure's loss L_ε = Σ_t ε_t·ℓ_t for window {@code window} (its index in
     * the measured list) with {@code terms} predicted tokens: a fixed function of the two. With random signs,
     * E_ε[(g^ε·ΔY)²] keeps the square of each loss term's own contribution and drops the products of different terms
     * (docs/design.md §12).
     */
    public static double[] lossSigns(int window, int terms) {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(SIGN_SEED + window);
        final double[] signs = new double[terms];
        for (int t = 0; t < terms; t++) signs[t] = random.nextBoolean() ? 1 : -1;
        return signs;
    }

    /**
     * The Fisher measure (docs/design.md §12) for the {@code pending} groups: every projection's SVD-LLM perturbation
     * ΔW_m = W_m − Ŵ_m (on the workers), then one backward pass per window (windows on the workers) of the loss with
     * random signs, L_ε = Σ_t ε_t·ℓ_t, accumulating f_{m,w} = Σ_t (g^ε_{m,t}·ΔY_{m,t})² with ΔY_m = X_m·ΔW_mᵀ;
     * ΔL_m = Σ_w f_{m,w} / 2T summed in window order, so the result does not depend on the workers; w_m = ΔL_m / e_m²,
     * per projection whatever the bands (they only key the checkpoint here); never negative.
     */
    private static void fisher(LlamaModel model, Map<String, CalibrationStats> grams, List<int[]> windows,
                               java.util.function.Function<String, Integer> ranks, Compressor svd, List<int[]> groups, List<Integer> pending,
                               long positions, int workers, Progress progress, Planner.Checkpoint checkpoint, Result[] results) {
        final List<Projection> projections = model.projections();
        final int count = projections.size();
        final Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < count; i++) index.put(projections.get(i).name(), i);
        final double[] errors = new double[count];
        final FMatrixRMaj[] delta = new FMatrixRMaj[count];
        Planner.parallel("sensitivity perturbations", count, workers, i -> {
            final Projection p = projections.get(i);
            try {
                final FMatrixRMaj w = model.weight(p.name());
                final CompressedMatrix c = perturbation(w, grams.get(p.name()), ranks.apply(p.name()), svd);
                final double e = c.report().functionalError();
                errors[i] = Double.isFinite(e) ? e : 0;
                if (e > 0 && Double.isFinite(e)) {
                    final FMatrixRMaj approx = c.reconstruct();
                    for (int j = 0; j < w.data.length; j++) w.data[j] -= approx.data[j];
                    delta[i] = w;
                }
            } catch (RuntimeException t) {
                throw new IllegalStateException("sensitivity of '" + p.name() + "': " + t.getMessage(), t);
            }
            return p.name();
        }, (done, name) -> {});
        final io.github.cospadi.models.llama.LossGradients gradients = model.lossGradients();
        final double[][] perWindow = new double[windows.size()][count];
        final Parallelism each = Math.min(workers, windows.size()) > 1 ? Parallelism.sequential() : model.parallelism();
        Planner.parallel("sensitivity gradients", windows.size(), workers, wi -> {
            final double[] f = perWindow[wi];
            final double[] signs = lossSigns(wi, windows.get(wi).length - 1);
            try {
                gradients.run(windows.get(wi), signs, (name, x, g) -> {
                    final int i = index.get(name);
                    if (delta[i] == null) return;
                    final FMatrixRMaj dy = DenseLinear.wrap(delta[i]).multiply(x, each);
                    final int out = g.numCols;
                    double sum = 0;
                    for (int t = 0; t < g.numRows; t++) {
                        double d = 0;
                        for (int j = t * out; j < (t + 1) * out; j++) d += (double) g.data[j] * dy.data[j];
                        sum += d * d;
                    }
                    f[i] = sum;
                }, each);
            } catch (RuntimeException t) {
                throw new IllegalStateException("sensitivity gradients of window " + wi + ": " + t.getMessage(), t);
            }
            return "window " + wi;
        }, (done, name) -> {
            if (progress != null) progress.onProjection(done, windows.size(), name);
        });
        final double[] predicted = new double[count];
        for (double[] f : perWindow) for (int i = 0; i < count; i++) predicted[i] += f[i];
        for (int i = 0; i < count; i++) predicted[i] /= 2.0 * positions;
        for (int gi : pending) {
            final int[] members = groups.get(gi);
            final Map<String, Result> measured = new LinkedHashMap<>();
            for (int m : members) {
                results[m] = delta[m] == null ? new Result(errors[m], 0, 0, false)
                        : new Result(errors[m], predicted[m], predicted[m] / (errors[m] * errors[m]), false);
                measured.put(projections.get(m).name(), results[m]);
            }
            if (checkpoint != null) checkpoint.saveGroup(projections.get(members[0]).name(), measured);
        }
    }

    /**
     * The perturbation groups: for every band b of {@code bands} (at most {@code layers}) and every type t, the
     * projection indices {@code l·perLayer + t} of the band's layers, bands in depth order, types in model order.
     */
    static List<int[]> groups(int layers, int perLayer, int bands) {
        final int b = Math.min(bands, layers);
        final List<int[]> out = new ArrayList<>();
        for (int band = 0; band < b; band++) {
            final int from = (int) ((long) band * layers / b), to = (int) ((long) (band + 1) * layers / b);
            for (int t = 0; t < perLayer; t++) {
                final int[] g = new int[to - from];
                for (int l = from; l < to; l++) g[l - from] = l * perLayer + t;
                out.add(g);
            }
        }
        return out;
    }

    /**
     * The dense model's next-token distributions of one window, for {@link #divergence}: p_t (float, row-major, the
     * first {@code positions} rows of {@code logits}) and per row the constant c_t = Σ_v p_t(v)·z_t(v) − lse(z_t)·Σ_v p_t(v)
     * (= Σ_v p_t(v)·log p_t(v), with the stored p).
     */
    record Distributions(float[] p, double[] c) {}

    static Distributions distributions(FMatrixRMaj logits, int positions) {
        final int v = logits.numCols;
        final float[] p = new float[positions * v];
        final double[] c = new double[positions];
        for (int t = 0; t < positions; t++) {
            final int off = t * v;
            final double lse = logSumExp(logits.data, off, v);
            for (int i = 0; i < v; i++) p[off + i] = (float) Math.exp(logits.data[off + i] - lse);
            c[t] = crossTerm(p, logits.data, off, v, lse);
        }
        return new Distributions(p, c);
    }

    /**
     * Σ_t KL(p_t ‖ q_t) over the first {@code positions} rows, q_t = softmax(logits row t): Σ_v p·(log p − log q) =
     * c_t − (Σ_v p(v)·z(v) − lse(z)·Σ_v p(v)), in double, one exponential per entry (for lse). Logits equal to the
     * dense ones give exactly 0 (the same sums in the same order).
     */
    static double divergence(Distributions base, FMatrixRMaj logits, int positions) {
        final int v = logits.numCols;
        double total = 0;
        for (int t = 0; t < positions; t++) {
            final int off = t * v;
            total += base.c()[t] - crossTerm(base.p(), logits.data, off, v, logSumExp(logits.data, off, v));
        }
        return total;
    }

    /** Σ_v p(v)·z(v) − lse·Σ_v p(v) over one row: Σ_v p(v)·log softmax(z)(v). */
    private static double crossTerm(float[] p, float[] z, int off, int n, double lse) {
        double pz = 0, mass = 0;
        for (int i = 0; i < n; i++) {
            pz += (double) p[off + i] * z[off + i];
            mass += p[off + i];
        }
        return pz - lse * mass;
    }

    private static double logSumExp(float[] z, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, z[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(z[off + i] - max);
        return Math.log(sum) + max;
    }

    /** Σ_{t≥1} −log softmax(z_{t−1})[x_t] over one window, in double. */
    static double nats(FMatrixRMaj logits, int[] window) {
        final int v = logits.numCols;
        double total = 0;
        for (int t = 0; t + 1 < window.length; t++) {
            final int off = t * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) max = Math.max(max, logits.data[off + i]);
            double sum = 0;
            for (int i = 0; i < v; i++) sum += Math.exp(logits.data[off + i] - max);
            total += Math.log(sum) + max - logits.data[off + window[t + 1]];
        }
        return total;
    }
}
