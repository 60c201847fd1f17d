package io.github.cospadi;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.CompressionException;
import io.github.cospadi.common.Orientation;

import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.calibration.Whitening;
import io.github.cospadi.calibration.WhiteningFactor;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.dictionary.DictionaryLearner;
import io.github.cospadi.dictionary.DictionaryUpdate;
import io.github.cospadi.dictionary.Initialization;
import io.github.cospadi.dictionary.LearnedFactors;
import io.github.cospadi.dictionary.Learner;
import io.github.cospadi.dictionary.LearningOptions;
import io.github.cospadi.dictionary.LearningProblem;
import io.github.cospadi.dictionary.OutputSpaceLearner;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compresses weight matrices W (outFeatures × inFeatures, PyTorch layout) into a dictionary times column-sparse
 * codes, Wᵀ ≈ D·S, minimizing the functional error ‖X(Wᵀ − DS)‖ on calibration activations (docs/design.md).
 *
 * <pre>{@code
 * Compressor compressor = Compressor.builder().ratio(0.3).build();   // CoSpaDi, rho = 2, K-SVD + OMP, 60 iterations
 * CompressedMatrix c = compressor.compress(weight, CalibrationStats.of(activations));
 * c.report().functionalError();
 * }</pre>
 *
 * Immutable and thread-safe: one instance can compress many matrices concurrently. The same seed gives the same
 * result whatever the {@link Parallelism}.
 */
public final class Compressor {
    private final Method method;
    private final double ratio;            // NaN when atoms/nonzeros are explicit
    private final double atomsPerNonzero;
    private final Budget.Accounting accounting;
    private final int atoms, nonzerosPerColumn;
    private final Orientation orientation;
    private final LearningOptions options;
    private final Whitening whitening;     // as configured (plain SVD learns with the identity)
    private final Whitening learningWhitening;
    private final List<Learner> learners;  // one, or INPUT then OUTPUT for AUTO
    private final boolean autoByShape;
    private final Orientation squareOrientation;
    private final boolean refitCoefficients;
    private final Learner groupLearner;    // the INPUT learner of groups of two or more (docs/design.md §5.8)
    private final Learner groupOutputLearner; // the OUTPUT learner of groups (COSPADI only)

    private Compressor(Builder b) {
        method = b.method;
        ratio = b.ratio;
        atomsPerNonzero = b.atomsPerNonzero;
        accounting = b.accounting;
        atoms = b.atoms;
        nonzerosPerColumn = b.nonzerosPerColumn;
        orientation = b.orientation;
        options = b.options;
        autoByShape = b.autoByShape;
        squareOrientation = b.squareOrientation;
        whitening = b.whitening;
        learningWhitening = method == Method.SVD ? Whitening.identity() : whitening;
        learners = learners(method, orientation, options);
        refitCoefficients = b.refitCoefficients;
        groupLearner = method == Method.COSPADI ? new DictionaryLearner(options) : LowRankLearner.INSTANCE;
        groupOutputLearner = new OutputSpaceLearner(options);
    }

    /**
     * The learners of a method and orientation: the low-rank one for the SVD methods (whatever the orientation),
     * else the INPUT or OUTPUT dictionary learner, or both for AUTO (INPUT first: it wins ties).
     */
    private static List<Learner> learners(Method method, Orientation orientation, LearningOptions options) {
        if (method != Method.COSPADI) return List.of(LowRankLearner.INSTANCE); // BASIS_SHARING on one matrix: SVD-LLM
        switch (orientation) {
            case INPUT: return List.of(new DictionaryLearner(options));
            case OUTPUT: return List.of(new OutputSpaceLearner(options));
            default: return List.of(new DictionaryLearner(options), new OutputSpaceLearner(options));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The budget this compressor uses for a weight of the given shape, in the INPUT orientation (dictionary
     * inFeatures × k); {@link #budget(int, int, Orientation)} gives the other.
     */
    public Budget budget(int outFeatures, int inFeatures) {
        return budget(outFeatures, inFeatures, Orientation.INPUT);
    }

    /**
     * The budget for a weight of the given shape with the dictionary in {@code orientation}'s space: for OUTPUT the
     * budget's inFeatures/outFeatures are the dictionary rows (outFeatures) and the coded columns (inFeatures).
     */
    public Budget budget(int outFeatures, int inFeatures, Orientation orientation) {
        if (orientation == Orientation.AUTO) throw new IllegalArgumentException("budget orientation must be INPUT or OUTPUT, got AUTO");
        if (orientation == Orientation.OUTPUT && method == Method.COSPADI) return inputBudget(inFeatures, outFeatures);
        return inputBudget(outFeatures, inFeatures);
    }

    private Budget inputBudget(int outFeatures, int inFeatures) {
        if (!Double.isNaN(ratio)) {
            return method == Method.COSPADI
                    ? Budget.forRatio(inFeatures, outFeatures, ratio, atomsPerNonzero, accounting)
                    : Budget.lowRank(inFeatures, outFeatures, ratio);
        }
        final Budget budget = new Budget(inFeatures, outFeatures, atoms, method == Method.COSPADI ? nonzerosPerColumn : atoms);
        if (method != Method.COSPADI && atoms > Math.min(inFeatures, outFeatures)) {
            throw new IllegalArgumentException("rank (" + atoms + ") beyond the matrix " + outFeatures + "x" + inFeatures);
        }
        return budget;
    }

    /** Data-free compression (identity whitening): minimizes ‖W − Ŵ‖_F. */
    public CompressedMatrix compress(FMatrixRMaj weight) {
        return compress(weight, null);
    }

    /**
     * The one side AUTO compresses a d2 × d1 matrix on, or AUTO for both ways: by shape (when {@link Builder#autoByShape})
     * the orientation whose dictionary side is the smaller one (docs/benchmarks.md §10: it agreed with the full choice on
     * every non-square matrix measured), for a square matrix {@link Builder#squareOrientation}.
     */
    private Orientation autoSide(int d2, int d1) {
        if (!autoByShape) return Orientation.AUTO;
        if (d1 != d2) return d1 > d2 ? Orientation.OUTPUT : Orientation.INPUT;
        return squareOrientation;
    }

    /**
     * Compresses {@code weight} (outFeatures × inFeatures) using the calibration statistics of its inputs
     * (inFeatures × inFeatures Gram). {@code calibration} may be null only for data-free compression.
     *
     * @throws IllegalArgumentException for non-finite weights, shape mismatches or impossible budgets
     * @throws CompressionException     when the Gram cannot be factored even after shifting
     * @throws java.util.concurrent.CancellationException when the listener cancels or the thread is interrupted
     */
    public CompressedMatrix compress(FMatrixRMaj weight, CalibrationStats calibration) {
        Objects.requireNonNull(weight, "weight");
        Checks.nonEmpty("weight", weight);
        List<Learner> chosen = learners;
        final Orientation side = learners.size() == 2 ? autoSide(weight.numRows, weight.numCols) : Orientation.AUTO;
        if (side != Orientation.AUTO) chosen = List.of(learners.get(side == Orientation.OUTPUT ? 1 : 0));
        final Budget[] budgets = new Budget[chosen.size()]; // impossible budgets are rejected before any work
        for (int i = 0; i < budgets.length; i++) budgets[i] = budget(weight.numRows, weight.numCols, chosen.get(i).orientation());
        CompressedMatrix best = null, other = null;
        for (int i = 0; i < budgets.length; i++) {
            // a problem per learner (it checks the weight and the statistics): each evaluation sees only what its
            // learner computed, as when the orientations were compressed separately
            final LearningProblem problem = LearningProblem.of(weight, calibration, learningWhitening, options.parallelism());
            final CompressedMatrix c = compress(problem, chosen.get(i), budgets[i]);
            if (best == null || c.report().functionalError() < best.report().functionalError()) {
                other = best;
                best = c;
            } else {
                other = c;
            }
        }
        if (other == null) return best;
        // AUTO: the lower functional error won (INPUT on ties); the other's time is reported as a phase
        final Map<String, Double> phases = new LinkedHashMap<>(best.report().phaseSeconds());
        phases.put("other-orientation", other.report().totalSeconds());
        final CompressionReport r = best.report();
        final CompressionReport report = new CompressionReport(r.method(), r.coder(), r.orientation(), r.inFeatures(), r.outFeatures(),
                r.atoms(), r.nonzerosPerColumn(), r.effectiveRatio(), r.fullRatio(), r.weightError(), r.functionalError(),
                r.objective(), r.iterations(), r.whiteningShift(), r.unusedAtomReseeds(), phases);
        return new CompressedMatrix(best.orientation(), best.dictionaryView(), best.codes(), report);
    }

    /**
     * Compresses a group of weights W_1 … W_m (d2_i × d1, the same d1) with one shared dictionary (docs/design.md §5.8):
     * whitened by the summed Gram G = Σ G_i, one dictionary learned on the stacked target [L·W_1ᵀ … L·W_mᵀ] with the
     * group budget (the dictionary counted once), each member keeping its own codes. COSPADI learns the dictionary with
     * the INPUT learner (grouped CoSpaDi); BASIS_SHARING, SVD_LLM and SVD take the shared truncated SVD (Basis Sharing;
     * with {@link Builder#refitCoefficients} each member's coefficients are refit under its own Gram). Each member's
     * report gives its functional error under <em>its own</em> Gram {@code calibration.get(i)} and the group's budget,
     * objective and phase times. A group of one is {@link #compress(FMatrixRMaj, CalibrationStats)}, bit for bit. For two
     * or more, COSPADI's orientation decides where the shared dictionary lives: INPUT (the summed Gram, above), OUTPUT
     * (members with one outFeatures: D in the output space, learned on [W_1 … W_m] under the block-diagonal Gram
     * diag(G_1 … G_m), so each member's own Gram exactly) or AUTO (as for one matrix: by shape, both ways for square
     * members keeping the lower mean functional error); members with different outFeatures and the low-rank methods
     * are always INPUT.
     *
     * @param calibration one statistics per member (the same object may serve several members), or all null for
     *                    data-free compression
     * @throws IllegalArgumentException naming the member for an empty or non-finite weight, members whose inFeatures
     *                                  differ, statistics of another size, or an impossible group budget
     * @throws CompressionException     when the summed Gram cannot be factored even after shifting
     * @throws java.util.concurrent.CancellationException when the listener cancels or the thread is interrupted
     */
    public CompressedGroup compressGroup(List<FMatrixRMaj> weights, List<CalibrationStats> calibration) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(calibration, "calibration");
        if (weights.isEmpty()) throw new IllegalArgumentException("weights is empty: a group needs at least one weight");
        if (calibration.size() != weights.size()) {
            throw new IllegalArgumentException("calibration has " + calibration.size() + " statistics for " + weights.size() + " weights");
        }
        final int m = weights.size();
        for (int i = 0; i < m; i++) {
            Objects.requireNonNull(weights.get(i), "weights[" + i + "]");
            Checks.nonEmpty("weights[" + i + "]", weights.get(i));
            if (m > 1) Checks.finite("weights[" + i + "]", weights.get(i)); // a group of one: compress() checks it
        }
        final int d1 = weights.get(0).numCols;
        long columns = 0;
        for (int i = 0; i < m; i++) {
            final FMatrixRMaj w = weights.get(i);
            if (w.numCols != d1) {
                throw new IllegalArgumentException("weights[" + i + "] is " + Checks.shape(w) + " but weights[0] is "
                        + Checks.shape(weights.get(0)) + ": the members of a group must have the same inFeatures");
            }
            columns += w.numRows;
            final CalibrationStats g = calibration.get(i);
            if ((g == null) != (calibration.get(0) == null)) {
                throw new IllegalArgumentException("calibration[" + i + "] is " + (g == null ? "null" : "given") + " but calibration[0] is "
                        + (g == null ? "given" : "null") + ": give statistics for every member or for none");
            }
            if (g != null && g.inFeatures() != d1) {
                throw new IllegalArgumentException("calibration[" + i + "] is for inFeatures=" + g.inFeatures() + " but weights[" + i
                        + "] is " + Checks.shape(w) + " (outFeatures x inFeatures)");
            }
        }
        if (m == 1) {
            final CompressedMatrix c = compress(weights.get(0), calibration.get(0));
            final Budget b = new Budget(c.dictionaryView().numRows, c.codes().numCols(), c.atoms(), c.nonzerosPerColumn());
            return new CompressedGroup(c.dictionaryView(), List.of(c), b);
        }
        if (columns > Integer.MAX_VALUE || (long) m * d1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("group of " + columns + " output features is too large");
        }
        boolean sameOut = true;
        for (FMatrixRMaj w : weights) sameOut &= w.numRows == weights.get(0).numRows;
        final int d2 = weights.get(0).numRows;
        // where the shared dictionary lives: INPUT always works; OUTPUT needs one outFeatures (docs/design.md §5.8)
        final List<Orientation> sides;
        if (method != Method.COSPADI || orientation == Orientation.INPUT || !sameOut) sides = List.of(Orientation.INPUT);
        else if (orientation == Orientation.OUTPUT) sides = List.of(Orientation.OUTPUT);
        else if (autoSide(d2, d1) != Orientation.AUTO) sides = List.of(autoSide(d2, d1));
        else sides = List.of(Orientation.INPUT, Orientation.OUTPUT);
        for (Orientation side : sides) { // impossible budgets are rejected before any work
            if (side == Orientation.INPUT) budget((int) columns, d1, Orientation.INPUT);
            else budget(d2, m * d1, Orientation.OUTPUT);
        }
        CompressedGroup best = null, other = null;
        for (Orientation side : sides) {
            final CompressedGroup g = side == Orientation.INPUT ? inputGroup(weights, calibration, (int) columns)
                    : outputGroup(weights, calibration);
            if (best == null || meanError(g) < meanError(best)) {
                other = best;
                best = g;
            } else {
                other = g;
            }
        }
        if (other == null) return best;
        // AUTO: the lower mean functional error won (INPUT on ties); the other's time is reported as a phase
        final double otherSeconds = other.member(0).report().totalSeconds();
        final List<CompressedMatrix> members = new java.util.ArrayList<>();
        for (CompressedMatrix c : best.members()) {
            final CompressionReport r = c.report();
            final Map<String, Double> phases = new LinkedHashMap<>(r.phaseSeconds());
            phases.put("other-orientation", otherSeconds);
            members.add(new CompressedMatrix(c.orientation(), best.dictionaryView(), c.codes(), new CompressionReport(r.method(), r.coder(),
                    r.orientation(), r.inFeatures(), r.outFeatures(), r.atoms(), r.nonzerosPerColumn(), r.effectiveRatio(), r.fullRatio(),
                    r.weightError(), r.functionalError(), r.objective(), r.iterations(), r.whiteningShift(), r.unusedAtomReseeds(), phases)));
        }
        return new CompressedGroup(best.dictionaryView(), members, best.budget());
    }

    private static double meanError(CompressedGroup g) {
        double sum = 0;
        for (CompressedMatrix c : g.members()) sum += c.report().functionalError();
        return sum / g.size();
    }

    /** The INPUT group: whitened by the summed Gram, one dictionary on [L·W_1ᵀ … L·W_mᵀ] (docs/design.md §5.8). */
    private CompressedGroup inputGroup(List<FMatrixRMaj> weights, List<CalibrationStats> calibration, int columns) {
        final int m = weights.size(), d1 = weights.get(0).numCols;
        final Budget budget = budget(columns, d1, Orientation.INPUT);
        CalibrationStats sum = calibration.get(0);
        for (int i = 1; i < m && sum != null; i++) sum = sum.merge(calibration.get(i));
        final Parallelism parallelism = options.parallelism();
        final long start = System.nanoTime();
        emit("whitening", start, Double.NaN);
        final LearningProblem problem = LearningProblem.of(weights, sum, learningWhitening, parallelism);
        final LearnedFactors learned = groupLearner.learn(problem, budget.atoms(), budget.nonzerosPerColumn());
        List<ColumnSparseMatrix> codes = learned.codes();
        final Map<String, Double> phases = new LinkedHashMap<>(problem.phaseSeconds());
        phases.putAll(learned.phaseSeconds());
        if (refitCoefficients && method != Method.COSPADI && sum != null) {
            final long t = System.nanoTime();
            codes = new java.util.ArrayList<>(codes);
            for (int i = 0; i < m; i++) {
                codes.set(i, LowRank.refit(learned.dictionary(), weights.get(i), calibration.get(i).gramView(), parallelism));
            }
            phases.put("refit", seconds(t));
        }
        return members(Orientation.INPUT, weights, calibration, learned, codes, budget, phases, problem.factor().shift(), start);
    }

    /**
     * The OUTPUT group (members with one outFeatures d2): Ŵ_i = D·S_i with D (d2 × k) shared, learned on the stacked
     * [W_1 … W_m] (d2 × m·d1) under the block-diagonal Gram diag(G_1 … G_m) — each member's own Gram, exactly
     * (docs/design.md §5.8).
     */
    private CompressedGroup outputGroup(List<FMatrixRMaj> weights, List<CalibrationStats> calibration) {
        final int m = weights.size(), d1 = weights.get(0).numCols, d2 = weights.get(0).numRows, n = m * d1;
        final Budget budget = budget(d2, n, Orientation.OUTPUT);
        final FMatrixRMaj stacked = new FMatrixRMaj(d2, n);
        for (int i = 0; i < m; i++) {
            final FMatrixRMaj w = weights.get(i);
            for (int r = 0; r < d2; r++) System.arraycopy(w.data, r * d1, stacked.data, r * n + i * d1, d1);
        }
        CalibrationStats block = null;
        if (calibration.get(0) != null) {
            final org.ejml.data.DMatrixRMaj g = new org.ejml.data.DMatrixRMaj(n, n);
            long tokens = 0;
            for (int i = 0; i < m; i++) {
                final double[] gi = calibration.get(i).gramView().data;
                for (int r = 0; r < d1; r++) System.arraycopy(gi, r * d1, g.data, (i * d1 + r) * n + i * d1, d1);
                tokens += calibration.get(i).tokens();
            }
            block = CalibrationStats.ofGram(g, Math.max(1, tokens));
        }
        final Parallelism parallelism = options.parallelism();
        final long start = System.nanoTime();
        emit("whitening", start, Double.NaN);
        final LearningProblem problem = LearningProblem.of(stacked, block, learningWhitening, parallelism);
        final LearnedFactors learned = groupOutputLearner.learn(problem, budget.atoms(), budget.nonzerosPerColumn());
        final ColumnSparseMatrix all = learned.codes().get(0);
        final int s = all.nonzerosPerColumn();
        final List<ColumnSparseMatrix> codes = new java.util.ArrayList<>();
        for (int i = 0; i < m; i++) {
            final int from = i * d1 * s, to = (i + 1) * d1 * s;
            codes.add(new ColumnSparseMatrix(all.numRows(), d1, s, java.util.Arrays.copyOfRange(all.rowIndices(), from, to),
                    java.util.Arrays.copyOfRange(all.values(), from, to)));
        }
        final Map<String, Double> phases = new LinkedHashMap<>(problem.phaseSeconds());
        phases.putAll(learned.phaseSeconds());
        return members(Orientation.OUTPUT, weights, calibration, learned, codes, budget, phases, problem.factor().shift(), start);
    }

    /** Evaluates each member under its own Gram and builds the group (every member references one dictionary). */
    private CompressedGroup members(Orientation side, List<FMatrixRMaj> weights, List<CalibrationStats> calibration,
                                    LearnedFactors learned, List<ColumnSparseMatrix> codes, Budget budget,
                                    Map<String, Double> phases, double shift, long start) {
        final int m = weights.size();
        final FMatrixRMaj dictionary = learned.dictionary();
        final Parallelism parallelism = options.parallelism();
        final long t = System.nanoTime();
        final double[] weightErrors = new double[m], functionalErrors = new double[m];
        for (int i = 0; i < m; i++) {
            final FMatrixRMaj w = weights.get(i);
            final FMatrixRMaj reconstruction = new CompressedMatrix(side, dictionary, codes.get(i), null).reconstruct();
            weightErrors[i] = Errors.relativeWeightError(w, reconstruction);
            functionalErrors[i] = calibration.get(i) == null ? weightErrors[i]
                    : Errors.relativeFunctionalError(w, reconstruction, calibration.get(i).gramView(), parallelism);
        }
        final Map<String, Double> all = new LinkedHashMap<>(phases);
        all.put("evaluation", seconds(t));
        final List<Double> objective = learned.objective();
        emit("done", start, objective.isEmpty() ? Double.NaN : objective.get(objective.size() - 1));
        final List<CompressedMatrix> members = new java.util.ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            final FMatrixRMaj w = weights.get(i);
            final CompressionReport report = new CompressionReport(method, learned.coder(), side, w.numCols, w.numRows,
                    budget.atoms(), budget.nonzerosPerColumn(), budget.effectiveRatio(), budget.fullRatio(), weightErrors[i],
                    functionalErrors[i], objective, learned.iterations(), shift, learned.unusedAtomReseeds(), all);
            members.add(new CompressedMatrix(side, dictionary, codes.get(i), report));
        }
        return new CompressedGroup(dictionary, members, budget);
    }

    /** One compression of the problem's (single) weight by one learner: whitening → learner → evaluation. */
    private CompressedMatrix compress(LearningProblem problem, Learner learner, Budget budget) {
        final FMatrixRMaj weight = problem.weight(0);
        final CalibrationStats stats = problem.stats();
        final WhiteningFactor factor = problem.factor();
        final Parallelism parallelism = options.parallelism();
        final int d2 = weight.numRows, d1 = weight.numCols;
        final Orientation side = learner.orientation();
        final long start = System.nanoTime();
        emit("whitening", start, Double.NaN);

        final LearnedFactors learned = learner.learn(problem, budget.atoms(), budget.nonzerosPerColumn());
        final FMatrixRMaj dictionary = learned.dictionary();
        final ColumnSparseMatrix codes = learned.codes().get(0);
        final List<Double> objective = learned.objective();

        final long t = System.nanoTime();
        final CompressedMatrix partial = new CompressedMatrix(side, dictionary, codes, null);
        final FMatrixRMaj reconstruction = partial.reconstruct();
        final double weightError = Errors.relativeWeightError(weight, reconstruction);
        final FMatrixRMaj whitened = problem.whitenedIfComputed();
        final double functionalError = stats == null ? weightError
                : Errors.relativeFunctionalError(weight, reconstruction, stats.gramView(),
                        whitened != null && factor.factors(stats) ? outputEnergy(whitened, weight, factor.shift()) : Double.NaN,
                        parallelism);
        final Map<String, Double> phases = new LinkedHashMap<>(problem.phaseSeconds());
        phases.putAll(learned.phaseSeconds());
        phases.put("evaluation", seconds(t));
        emit("done", start, objective.isEmpty() ? Double.NaN : objective.get(objective.size() - 1));

        final CompressionReport report = new CompressionReport(method, learned.coder(), side, d1, d2, budget.atoms(),
                budget.nonzerosPerColumn(), budget.effectiveRatio(), budget.fullRatio(), weightError, functionalError, objective,
                learned.iterations(), factor.shift(), learned.unusedAtomReseeds(), phases);
        return new CompressedMatrix(side, dictionary, codes, report);
    }

    /**
     * tr(W·G·Wᵀ) = ‖L·Wᵀ‖² − δ‖W‖² (LᵀL = G + δI), the denominator of the functional error, from the whitened
     * weight of a factor of this very Gram.
     */
    private static double outputEnergy(FMatrixRMaj whitened, FMatrixRMaj weight, double shift) {
        double wl = 0, w2 = 0;
        for (float v : whitened.data) wl += (double) v * v;
        for (float v : weight.data) w2 += (double) v * v;
        final double energy = wl - shift * w2;
        // guard against cancellation when the shift dominates (a nearly zero Gram): fall back to the GEMM
        return energy > 1e-3 * wl ? energy : Double.NaN;
    }

    private void emit(String phase, long start, double objective) {
        final ProgressEvent e = new ProgressEvent(phase, 1, 1, objective, Duration.ofNanos(System.nanoTime() - start));
        options.progress().onProgress(e);
        if (e.isCancelled() || Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("compression cancelled");
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    @Override
    public String toString() {
        return "Compressor[" + method + (Double.isNaN(ratio) ? ", k=" + atoms + ", s=" + nonzerosPerColumn
                : ", ratio=" + ratio + ", rho=" + atomsPerNonzero + ", " + accounting)
                + (method == Method.COSPADI ? ", " + orientation + ", " + options.coder().name() + ", " + options.update() + ", "
                + options.initialization() + ", T=" + options.iterations() + ", power=" + options.powerIterations()
                + (options.extrapolation() ? ", extrapolation" : "") : "")
                + ", " + whitening.name() + ", seed=" + options.seed() + ", " + options.parallelism() + "]";
    }

    /**
     * Fluent, validating builder. Every setter checks its own argument; {@link #build()} checks the combination.
     * Not thread-safe; the built {@link Compressor} is.
     */
    public static final class Builder {
        private Method method = Method.COSPADI;
        private double ratio = Double.NaN;
        private double atomsPerNonzero = 2.0;
        private Budget.Accounting accounting = Budget.Accounting.EFFECTIVE;
        private int atoms, nonzerosPerColumn;
        private Orientation orientation = Orientation.INPUT;
        private LearningOptions options = LearningOptions.defaults();
        private Whitening whitening = Whitening.cholesky();
        private boolean autoByShape = true;
        private Orientation squareOrientation = Orientation.AUTO;
        private boolean refitCoefficients;

        private Builder() {}

        /**
         * Basis Sharing's optional coefficient refit (docs/design.md §5.8), for the low-rank methods on groups
         * ({@link Compressor#compressGroup}): with the shared basis D fixed, member i's coefficients become the least
         * squares optimum under its own Gram, (DᵀG_iD)⁻¹DᵀG_iW_iᵀ. Default false (the plain shared SVD). Never raises a
         * member's functional error; ignored by COSPADI and by groups of one.
         */
        public Builder refitCoefficients(boolean refit) {
            this.refitCoefficients = refit;
            return this;
        }

        /** COSPADI (default), SVD_LLM, SVD or BASIS_SHARING. */
        public Builder method(Method method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /** Target compression ratio γ ∈ (0, 1): the fraction of the dense storage saved (docs/design.md §4). */
        public Builder ratio(double ratio) {
            if (!(ratio > 0 && ratio < 1)) throw new IllegalArgumentException("ratio (gamma) must be in (0, 1), got " + ratio);
            this.ratio = ratio;
            return this;
        }

        /** ρ = k/s ≥ 1 used with {@link #ratio}; default 2 (the paper's choice). */
        public Builder atomsPerNonzero(double rho) {
            if (!(rho >= 1) || !Double.isFinite(rho)) {
                throw new IllegalArgumentException("atomsPerNonzero (rho = k/s) must be a finite number >= 1, got " + rho);
            }
            this.atomsPerNonzero = rho;
            return this;
        }

        /** How {@link #ratio} counts storage: EFFECTIVE (paper Eq. 11, default) or FULL (Eq. 10, with bitmask). */
        public Builder accounting(Budget.Accounting accounting) {
            this.accounting = Objects.requireNonNull(accounting, "accounting");
            return this;
        }

        /** Explicit k (instead of {@link #ratio}); for the SVD methods this is the rank. */
        public Builder atoms(int k) {
            this.atoms = Checks.positive("atoms", k);
            return this;
        }

        /** Explicit s (instead of {@link #ratio}); COSPADI only. */
        public Builder nonzerosPerColumn(int s) {
            this.nonzerosPerColumn = Checks.positive("nonzerosPerColumn", s);
            return this;
        }

        /** Explicit rank for the SVD methods (same as {@link #atoms}). */
        public Builder rank(int r) {
            return atoms(r);
        }

        /** The sparse coder; default {@link SparseCoder#omp()}. */
        public Builder coder(SparseCoder coder) {
            options = options.withCoder(Objects.requireNonNull(coder, "coder"));
            return this;
        }

        /** KSVD (default) or MOD. */
        public Builder dictionaryUpdate(DictionaryUpdate update) {
            options = options.withUpdate(Objects.requireNonNull(update, "dictionaryUpdate"));
            return this;
        }

        /** SVD (default: lower error than the paper's random columns on real weights, docs/benchmarks.md) or RANDOM_COLUMNS. */
        public Builder initialization(Initialization initialization) {
            options = options.withInitialization(Objects.requireNonNull(initialization, "initialization"));
            return this;
        }

        /**
         * Where the dictionary lives (COSPADI only; the low-rank methods ignore it): INPUT (default, the paper's
         * Wᵀ ≈ D·S), OUTPUT (W ≈ D·S, one sparse code per input channel: better on layers with more inputs than
         * outputs, e.g. MLP down-projections) or AUTO (by shape, or both ways keeping the lower functional error: {@link #autoByShape}). OUTPUT learns with
         * Gauss–Seidel OMP + MOD under the input Gram (docs/design.md §5.6) and ignores the coder, dictionary-update,
         * power-iteration and coding-schedule settings.
         */
        public Builder orientation(Orientation orientation) {
            this.orientation = Objects.requireNonNull(orientation, "orientation");
            return this;
        }

        /**
         * How {@link Orientation#AUTO} chooses: by shape (true, the default) — OUTPUT when inFeatures &gt; outFeatures,
         * INPUT when inFeatures &lt; outFeatures, both ways (the lower functional error kept) only for square matrices —
         * or (false) both ways for every matrix. docs/benchmarks.md §10 measures how often the shape rule agrees with the
         * full choice.
         */
        public Builder autoByShape(boolean byShape) {
            this.autoByShape = byShape;
            return this;
        }

        /**
         * What {@link Orientation#AUTO} by shape does with a square matrix: AUTO (the default) compresses it both ways and
         * keeps the lower functional error; INPUT or OUTPUT compresses it one way only, at half the cost. Which side wins
         * on square matrices depends on the model (docs/benchmarks.md §16: INPUT on 44 of SmolLM2's 60 q/o projections,
         * OUTPUT on all of the tiny Llama's), so only the caller can make this choice.
         */
        public Builder squareOrientation(Orientation orientation) {
            this.squareOrientation = Objects.requireNonNull(orientation, "squareOrientation");
            return this;
        }

        /** T, the number of coding + update alternations; default 60. */
        public Builder iterations(int iterations) {
            options = options.withIterations(iterations);
            return this;
        }

        /** Power-iteration steps per K-SVD atom update; default 8. */
        public Builder powerIterations(int steps) {
            options = options.withPowerIterations(steps);
            return this;
        }

        /**
         * Run the sparse coder in every iteration (1, the default and the paper's algorithm) or, after the first
         * {@link #codingWarmup} iterations, only every {@code interval}-th; the other iterations refit the dictionary
         * and the values on fixed supports (and take {@link #refreshSteps} first), which costs a fraction of a coding
         * pass (docs/benchmarks.md §5 measures the trade-off).
         */
        public Builder codingInterval(int interval) {
            options = options.withCodingInterval(interval);
            return this;
        }

        /**
         * Iterations at the start that always run the sparse coder; default 5. Only matters with a coding interval. 0 is
         * allowed with {@link #refreshSteps}: the first codes then come from thresholding the correlations, which is
         * OMP's result for the orthonormal SVD initialization.
         */
        public Builder codingWarmup(int iterations) {
            options = options.withCodingWarmup(iterations);
            return this;
        }

        /**
         * On iterations that skip the sparse coder (see {@link #codingInterval}), first take this many warm-started
         * hard-thresholding steps ({@link SparseCoder#refresh}): each costs k·s multiply-adds per column against OMP's
         * k·s²/2 and moves the supports towards better atoms. Default 0 (none).
         */
        public Builder refreshSteps(int steps) {
            options = options.withRefreshSteps(steps);
            return this;
        }

        /**
         * The fast schedule of docs/benchmarks.md §5: the first codes come from thresholding the correlations (OMP's
         * own result on the orthonormal SVD initialization), every iteration takes 2 refresh steps
         * ({@link #refreshSteps}) before an approximate K-SVD update with one power step per atom (Rubinstein's
         * approximate K-SVD), and OMP runs only every 10th iteration, and only when a pass is cheap (k·s²/2 at most
         * 10 × 3k² per column: small layers, where the OMP-free schedule can stall); large layers never run OMP. Within
         * 1 % of the reference objective on the measured matrices in a small fraction of its time. Later setters
         * override it ({@link #codingInterval} fixes the interval).
         */
        public Builder fast() {
            options = options.withCodingWarmup(0).withAdaptiveInterval().withRefreshSteps(2).withPowerIterations(1)
                    .withExtrapolation(true);
            return this;
        }

        /**
         * After each iteration, try the point past it along the last step (the dictionary and the values on the new
         * supports, X + β·(X − X_prev) with an adaptive β) and keep it when it lowers the objective (docs/design.md §5,
         * item 4). On by {@link #fast()}, off by default; measured to reach the same error in about half the
         * iterations on SmolLM2's projections (docs/benchmarks.md §16.1).
         */
        public Builder extrapolation(boolean extrapolate) {
            options = options.withExtrapolation(extrapolate);
            return this;
        }

        /** Stop early when one iteration improves the objective by less than this fraction; default 0 (never). */
        public Builder tolerance(double tolerance) {
            options = options.withTolerance(tolerance);
            return this;
        }

        /**
         * Ends an atom's power iteration before {@link #powerIterations} steps once 1 − cos(u_new, u_old) falls below
         * this; default 1e-6 (0 always runs every step, as the paper does; measured: same error, 40 % less update time).
         */
        public Builder powerTolerance(double tolerance) {
            options = options.withPowerTolerance(tolerance);
            return this;
        }

        /** Whitening of the calibration Gram; default {@link Whitening#cholesky()}. */
        public Builder whitening(Whitening whitening) {
            this.whitening = Objects.requireNonNull(whitening, "whitening");
            return this;
        }

        /** Seed of every random choice; default 42. */
        public Builder seed(long seed) {
            options = options.withSeed(seed);
            return this;
        }

        /** Threads to use; default sequential. Results do not depend on it. */
        public Builder parallelism(Parallelism parallelism) {
            options = options.withParallelism(Objects.requireNonNull(parallelism, "parallelism"));
            return this;
        }

        /** Progress listener (can cancel); default none. */
        public Builder progress(ProgressListener listener) {
            options = options.withProgress(Objects.requireNonNull(listener, "progress"));
            return this;
        }

        /** Validates the combination and returns an immutable compressor. */
        public Compressor build() {
            final boolean explicit = atoms > 0 || nonzerosPerColumn > 0;
            if (explicit && !Double.isNaN(ratio)) {
                throw new IllegalArgumentException("give either ratio (" + ratio + ") or atoms/nonzerosPerColumn (k=" + atoms
                        + ", s=" + nonzerosPerColumn + "), not both");
            }
            if (!explicit && Double.isNaN(ratio)) {
                throw new IllegalArgumentException("no budget: set ratio(gamma) or atoms(k) and nonzerosPerColumn(s)");
            }
            if (explicit) {
                if (atoms == 0) throw new IllegalArgumentException("nonzerosPerColumn (s=" + nonzerosPerColumn + ") given without atoms (k)");
                if (method == Method.COSPADI) {
                    if (nonzerosPerColumn == 0) throw new IllegalArgumentException("atoms (k=" + atoms + ") given without nonzerosPerColumn (s)");
                    if (nonzerosPerColumn > atoms) {
                        throw new IllegalArgumentException("nonzerosPerColumn (s=" + nonzerosPerColumn + ") must not exceed atoms (k=" + atoms + ")");
                    }
                } else if (nonzerosPerColumn > 0) {
                    throw new IllegalArgumentException("nonzerosPerColumn (s=" + nonzerosPerColumn + ") applies to COSPADI only, not " + method);
                }
            }
            return new Compressor(this);
        }
    }
}
