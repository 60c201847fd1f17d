package io.github.cospadi.dictionary;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.calibration.Whitening;
import io.github.cospadi.calibration.WhiteningFactor;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Learner} factorizes (docs/design.md §2–3): one or more weights W_1 … W_m (d2_i × d1, PyTorch layout)
 * that share their inputs, hence the calibration Gram G (d1 × d1) and the whitening factor L (LᵀL = G + δI, or I for
 * data-free compression). It hands out, each computed once on first request:
 * <ul>
 *   <li>{@link #whitened()}: the whitened target of the INPUT learners, W_L = [L·W_1ᵀ … L·W_mᵀ] (d1 × Σ d2_i; for one
 *       weight L·Wᵀ) — member i owns the columns [{@link #columnOffset}(i), + d2_i);</li>
 *   <li>{@link #gram()}: G + δI (I for the identity factor), the Gram of the OUTPUT learner;</li>
 * </ul>
 * and maps a whitened dictionary back ({@link #unwhiten}: D = L⁻¹·D_L) and stacked codes back to the members
 * ({@link #split}). The factory is the door: it checks the weights (non-empty, finite, d1 columns each) and the
 * statistics once, and the learners trust what they get. The time spent in it (the factor, W_L, G + δI) is
 * reported as the phase "whitening". Thread-safe.
 */
public final class LearningProblem {
    private final List<FMatrixRMaj> weights;
    private final CalibrationStats stats;  // null: data-free
    private final WhiteningFactor factor;
    private final Parallelism parallelism;
    private final int inFeatures, outFeatures;
    private final int[] offsets;           // (m + 1) column offsets of the members in W_L
    private final Map<String, Double> phases = new LinkedHashMap<>();
    private FMatrixRMaj whitened;
    private DMatrixRMaj gram;

    private LearningProblem(List<FMatrixRMaj> weights, CalibrationStats stats, WhiteningFactor factor,
                            Parallelism parallelism) {
        this.weights = weights;
        this.stats = stats;
        this.factor = factor;
        this.parallelism = parallelism;
        this.inFeatures = weights.get(0).numCols;
        offsets = new int[weights.size() + 1];
        for (int i = 0; i < weights.size(); i++) offsets[i + 1] = offsets[i] + weights.get(i).numRows;
        this.outFeatures = offsets[weights.size()];
    }

    /**
     * The problem of one weight (outFeatures × inFeatures) with the statistics of its inputs, whitened by
     * {@code whitening} ({@code calibration} null: data-free, L = I).
     *
     * @throws IllegalArgumentException for an empty or non-finite weight or statistics of another size
     */
    public static LearningProblem of(FMatrixRMaj weight, CalibrationStats calibration, Whitening whitening,
                                     Parallelism parallelism) {
        return of(List.of(Objects.requireNonNull(weight, "weight")), calibration, whitening, parallelism);
    }

    /**
     * The problem of m ≥ 1 weights with the same inFeatures that share their inputs (for example the q, k and v
     * projections of one attention block): one factor L for all, the whitened targets stacked side by side.
     *
     * @throws IllegalArgumentException naming the weight for an empty, non-finite or differently wide one
     */
    public static LearningProblem of(List<FMatrixRMaj> weights, CalibrationStats calibration, Whitening whitening,
                                     Parallelism parallelism) {
        Objects.requireNonNull(whitening, "whitening");
        Objects.requireNonNull(parallelism, "parallelism");
        if (weights.isEmpty()) throw new IllegalArgumentException("weights is empty: a problem needs at least one weight");
        final List<FMatrixRMaj> list = List.copyOf(weights);
        final int d1 = list.get(0).numCols;
        for (int i = 0; i < list.size(); i++) {
            final FMatrixRMaj w = list.get(i);
            final String name = list.size() == 1 ? "weight" : "weights[" + i + "]";
            Checks.nonEmpty(name, w);
            Checks.finite(name, w);
            if (w.numCols != d1) {
                throw new IllegalArgumentException(name + " is " + Checks.shape(w) + " but weights[0] has inFeatures=" + d1);
            }
        }
        if (calibration != null && calibration.inFeatures() != d1) {
            throw new IllegalArgumentException("calibration is for inFeatures=" + calibration.inFeatures() + " but weight is "
                    + Checks.shape(list.get(0)) + " (outFeatures x inFeatures)");
        }
        final long start = System.nanoTime();
        final WhiteningFactor factor = calibration != null ? whitening.factor(calibration, parallelism)
                : Whitening.identity().factor(identityStats(d1));
        final LearningProblem problem = new LearningProblem(list, calibration, factor, parallelism);
        problem.addPhase("whitening", start);
        return problem;
    }

    /** d1, the input features every member shares. */
    public int inFeatures() {
        return inFeatures;
    }

    /** Σ d2_i, the columns of {@link #whitened()}. */
    public int outFeatures() {
        return outFeatures;
    }

    /** m, the weights. */
    public int members() {
        return weights.size();
    }

    /** W_i (d2_i × d1). A view: do not modify. */
    public FMatrixRMaj weight(int member) {
        return weights.get(member);
    }

    /** The first column of member i in {@link #whitened()} (and of the stacked codes). */
    public int columnOffset(int member) {
        return offsets[member];
    }

    /** The calibration statistics, or null for data-free compression. */
    public CalibrationStats stats() {
        return stats;
    }

    /** L, or the identity for data-free compression and identity whitening. */
    public WhiteningFactor factor() {
        return factor;
    }

    public Parallelism parallelism() {
        return parallelism;
    }

    /** W_L = [L·W_1ᵀ … L·W_mᵀ] (d1 × Σ d2_i), computed on the first request. A view: do not modify. */
    public synchronized FMatrixRMaj whitened() {
        if (whitened == null) {
            final long start = System.nanoTime();
            if (weights.size() == 1) {
                whitened = factor.whiten(weights.get(0), parallelism);
            } else {
                final FMatrixRMaj out = new FMatrixRMaj(inFeatures, outFeatures);
                for (int i = 0; i < weights.size(); i++) {
                    final FMatrixRMaj part = factor.whiten(weights.get(i), parallelism);
                    final int width = part.numCols;
                    for (int r = 0; r < inFeatures; r++) {
                        System.arraycopy(part.data, r * width, out.data, r * outFeatures + offsets[i], width);
                    }
                }
                whitened = out;
            }
            addPhase("whitening", start);
        }
        return whitened;
    }

    /** {@link #whitened()} when a learner has asked for it, else null (what the evaluation may reuse). */
    public synchronized FMatrixRMaj whitenedIfComputed() {
        return whitened;
    }

    /**
     * G + δI (d1 × d1, the Gram {@link #factor()} factors), or I when the factor is the identity; computed on the first
     * request. A view: do not modify.
     */
    public synchronized DMatrixRMaj gram() {
        if (gram == null) {
            final long start = System.nanoTime();
            final int d1 = inFeatures;
            gram = factor.isIdentity() ? identityStats(d1).gramView() : stats.gramView().copy();
            if (!factor.isIdentity()) for (int i = 0; i < d1; i++) gram.data[i * d1 + i] += factor.shift();
            addPhase("whitening", start);
        }
        return gram;
    }

    /** D = L⁻¹·D_L (d1 × k) for a dictionary learned on {@link #whitened()} (a learner reports it as "map-back"). */
    public FMatrixRMaj unwhiten(FMatrixRMaj whitenedDictionary) {
        return factor.unwhiten(whitenedDictionary, parallelism);
    }

    /**
     * The members' codes from codes of the stacked target (k × Σ d2_i): member i gets the columns
     * [{@link #columnOffset}(i), + d2_i). One member: the codes themselves.
     */
    public List<ColumnSparseMatrix> split(ColumnSparseMatrix codes) {
        if (codes.numCols() != outFeatures) {
            throw new IllegalArgumentException("codes have " + codes.numCols() + " columns, the problem " + outFeatures);
        }
        if (weights.size() == 1) return List.of(codes);
        final int s = codes.nonzerosPerColumn();
        final List<ColumnSparseMatrix> out = new ArrayList<>(weights.size());
        for (int i = 0; i < weights.size(); i++) {
            final int from = offsets[i] * s, to = offsets[i + 1] * s;
            out.add(new ColumnSparseMatrix(codes.numRows(), offsets[i + 1] - offsets[i], s,
                    java.util.Arrays.copyOfRange(codes.rowIndices(), from, to), java.util.Arrays.copyOfRange(codes.values(), from, to)));
        }
        return out;
    }

    /** Seconds spent so far per phase: "whitening". */
    public synchronized Map<String, Double> phaseSeconds() {
        return Map.copyOf(phases);
    }

    private synchronized void addPhase(String phase, long since) {
        phases.merge(phase, (System.nanoTime() - since) / 1e9, Double::sum);
    }

    private static CalibrationStats identityStats(int d1) {
        final DMatrixRMaj eye = new DMatrixRMaj(d1, d1);
        for (int i = 0; i < d1; i++) eye.data[i * d1 + i] = 1;
        return CalibrationStats.ofGram(eye, 1);
    }
}
