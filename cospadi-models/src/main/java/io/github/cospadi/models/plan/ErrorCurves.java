package io.github.cospadi.models.plan;

import io.github.cospadi.internal.JsonFields;

import io.github.cospadi.Budget;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.calibration.Whitening;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.dictionary.LearningProblem;
import io.github.cospadi.internal.DoubleProducts;
import io.github.cospadi.internal.SymmetricEigen;
import org.ejml.data.FMatrixRMaj;

import java.util.ArrayList;
import java.util.List;

/**
 * The error-versus-storage curves of one projection W (outFeatures d2 × inFeatures d1) (docs/design.md §12):
 * SVD-LLM's exact, e(r)² = Σ_{i≥r} σ_i² / Σ σ_i² from the singular values of the whitened weight W_L = L·Wᵀ, and
 * CoSpaDi's modelled from one probe compression, e_C(S) = a·e_S(S/(d1 + d2)) with a = e_C(probe)/e_S(probe's
 * storage), e_S interpolating e(r)² linearly between integer ranks.
 */
public final class ErrorCurves {
    private final int outFeatures, inFeatures;
    private final double[] tail;          // tail[r] = Σ_{i≥r} σ_i² / Σ σ_i², r = 0..p (p = min(d1, d2)); tail[0] = 1
    private final Orientation probeOrientation;
    private final long probeStorage;
    private final double probeError;
    private final double advantage;

    private ErrorCurves(int outFeatures, int inFeatures, double[] tail, Orientation probeOrientation, long probeStorage, double probeError) {
        this.outFeatures = outFeatures;
        this.inFeatures = inFeatures;
        this.tail = tail;
        this.probeOrientation = probeOrientation;
        this.probeStorage = probeStorage;
        this.probeError = probeError;
        final double svd = svdLlmErrorAtStorage(probeStorage);
        // below 1e-3 the ratio is ill-conditioned (rank-deficient Grams: both errors ~0); CoSpaDi is then modelled as SVD-LLM
        this.advantage = svd >= 1e-3 ? probeError / svd : 1;
    }

    private ErrorCurves(ErrorCurves own, ErrorCurves representative) {
        this.outFeatures = own.outFeatures;
        this.inFeatures = own.inFeatures;
        this.tail = own.tail;
        this.probeOrientation = representative.probeOrientation;
        this.probeStorage = representative.probeStorage;
        this.advantage = representative.advantage;
        this.probeError = advantage * svdLlmErrorAtStorage(probeStorage);
    }

    /**
     * These curves (measured without a probe) with CoSpaDi modelled by {@code representative}'s probe: its orientation
     * and its advantage a over SVD-LLM, applied to this matrix's own exact SVD-LLM curve (docs/design.md §12, bands).
     * {@link #probeError} is then the modelled error at the probe's storage, not a measurement.
     *
     * @throws IllegalArgumentException if the shapes differ, this one has a probe or the representative has none
     */
    public ErrorCurves withProbeOf(ErrorCurves representative) {
        if (representative.outFeatures != outFeatures || representative.inFeatures != inFeatures) {
            throw new IllegalArgumentException("representative is " + representative.outFeatures + "x" + representative.inFeatures
                    + ", this matrix " + outFeatures + "x" + inFeatures);
        }
        if (probeOrientation != null) throw new IllegalArgumentException("these curves have their own probe");
        if (representative.probeOrientation == null) throw new IllegalArgumentException("representative has no probe");
        return new ErrorCurves(this, representative);
    }

    /**
     * Measures the curves of {@code weight} with the calibration {@code stats}: the whitened spectrum (Cholesky
     * whitening with the default ε, as {@link Compressor} uses) and one compression by {@code probe} (a CoSpaDi
     * compressor with a ratio; its orientation as configured, AUTO by shape by default).
     *
     * @param probe null for no CoSpaDi curve (then {@link #candidates} offers no CoSpaDi)
     */
    public static ErrorCurves measure(FMatrixRMaj weight, CalibrationStats stats, Compressor probe, Parallelism parallelism) {
        final int d2 = weight.numRows, d1 = weight.numCols;
        final FMatrixRMaj whitened = LearningProblem.of(weight, stats, Whitening.cholesky(), parallelism).whitened(); // d1 × d2
        final double[] tail = tail(spectrum(whitened, parallelism));
        if (probe == null) return new ErrorCurves(d2, d1, tail, null, 0, Double.NaN);
        final CompressedMatrix c = probe.compress(weight, stats);
        final var r = c.report();
        final Candidate probed = Candidate.cospadi(d2, d1, r.orientation(), r.atoms(), r.nonzerosPerColumn(), 0);
        return new ErrorCurves(d2, d1, tail, r.orientation(), probed.storage(), finite(r.functionalError()));
    }

    /**
     * These curves as JSON (shape, the normalized SVD-LLM tail, the probe's orientation, storage and error; doubles as
     * the shortest decimal that reads back exactly), for a checkpoint of the planning. Curves that borrow another
     * matrix's probe ({@link #withProbeOf}) are not saved: save the measured ones and borrow again.
     */
    public String toJson() {
        final StringBuilder b = new StringBuilder("{\"out_features\": ").append(outFeatures).append(", \"in_features\": ").append(inFeatures)
                .append(", \"probe_orientation\": ").append(probeOrientation == null ? "null" : "\"" + probeOrientation.name() + "\"")
                .append(", \"probe_storage\": ").append(probeStorage)
                .append(", \"probe_error\": ").append(Double.isFinite(probeError) ? Double.toString(probeError) : "null")
                .append(", \"tail\": [");
        for (int i = 0; i < tail.length; i++) b.append(i > 0 ? ", " : "").append(tail[i]);
        return b.append("]}").toString();
    }

    /**
     * Reads curves written by {@link #toJson}; {@code source} names the text in messages.
     *
     * @throws IllegalArgumentException for malformed JSON or fields that do not fit together
     */
    public static ErrorCurves fromJson(String json, String source) {
        final java.util.Map<String, Object> m = io.github.cospadi.internal.JsonParser.parseExactObject(json, source);
        final int out = JsonFields.int32(m, "out_features", source), in = JsonFields.int32(m, "in_features", source);
        final java.util.List<?> t = JsonFields.list(m, "tail", source);
        if (out < 1 || in < 1 || t.size() != Math.min(out, in) + 1) {
            throw new IllegalArgumentException(source + ": a " + out + "x" + in + " matrix needs " + (Math.min(Math.max(out, 1), Math.max(in, 1)) + 1)
                    + " tail values, got " + t.size());
        }
        final double[] tail = new double[t.size()];
        for (int i = 0; i < tail.length; i++) {
            if (!(t.get(i) instanceof java.math.BigDecimal)) throw new IllegalArgumentException(source + ": tail[" + i + "] must be a number, got " + t.get(i));
            tail[i] = ((java.math.BigDecimal) t.get(i)).doubleValue();
            if (!(tail[i] >= 0 && tail[i] <= 1)) throw new IllegalArgumentException(source + ": tail[" + i + "] = " + tail[i] + " outside [0, 1]");
        }
        if (m.get("probe_orientation") == null) return new ErrorCurves(out, in, tail, null, 0, Double.NaN);
        final String o = JsonFields.string(m, "probe_orientation", source);
        final Orientation orientation;
        try {
            orientation = Orientation.valueOf(o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": 'probe_orientation' must be INPUT or OUTPUT, got " + o, e);
        }
        return new ErrorCurves(out, in, tail, orientation, JsonFields.integer(m, "probe_storage", source), JsonFields.numberOrNaN(m, "probe_error", source));
    }

    /** Curves from given squared singular values (any order) and a probe result, for tests. */
    static ErrorCurves of(int outFeatures, int inFeatures, double[] sigma2, Orientation probeOrientation, long probeStorage, double probeError) {
        final double[] s = sigma2.clone();
        java.util.Arrays.sort(s);
        for (int i = 0; i < s.length / 2; i++) { final double t = s[i]; s[i] = s[s.length - 1 - i]; s[s.length - 1 - i] = t; }
        return new ErrorCurves(outFeatures, inFeatures, tail(s), probeOrientation, probeStorage, probeError);
    }

    private static double finite(double e) {
        return Double.isFinite(e) ? e : 0;
    }

    /** σ_i² of W_L (d1 × d2), decreasing: the eigenvalues of the smaller Gram W_L·W_Lᵀ or W_LᵀW_L, clamped at 0. */
    static double[] spectrum(FMatrixRMaj y, Parallelism parallelism) {
        final int m = y.numRows, n = y.numCols;
        final double[] a;
        final int p;
        if (m <= n) {
            a = new double[m * n];
            for (int i = 0; i < a.length; i++) a[i] = y.data[i];
            p = m;
        } else {
            a = new double[n * m];
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) a[j * m + i] = y.data[i * n + j];
            p = n;
        }
        final double[] values = SymmetricEigen.of(DoubleProducts.gramOfRows(a, p, a.length / p, parallelism), p, 0, parallelism).values();
        final double[] out = new double[p];
        for (int i = 0; i < p; i++) out[i] = Math.max(values[i], 0);
        return out;
    }

    private static double[] tail(double[] sigma2Decreasing) {
        final int p = sigma2Decreasing.length;
        final double[] t = new double[p + 1];
        for (int i = p - 1; i >= 0; i--) t[i] = t[i + 1] + sigma2Decreasing[i];
        final double total = t[0];
        for (int i = 0; i <= p; i++) t[i] = total > 0 ? t[i] / total : 0;
        return t;
    }

    /** SVD-LLM's relative functional error at rank r (0 ≤ r ≤ min(d1, d2)). */
    public double svdLlmError(int rank) {
        if (rank < 0 || rank >= tail.length) throw new IllegalArgumentException("rank must be in [0, " + (tail.length - 1) + "], got " + rank);
        return Math.sqrt(tail[rank]);
    }

    /** SVD-LLM's error at the fractional rank S/(d1 + d2), e² interpolated linearly between integer ranks. */
    public double svdLlmErrorAtStorage(long storage) {
        final double rho = Math.min(storage / (double) (inFeatures + outFeatures), tail.length - 1);
        final int lo = (int) Math.floor(rho);
        if (lo >= tail.length - 1) return Math.sqrt(tail[tail.length - 1]);
        final double f = rho - lo;
        return Math.sqrt((1 - f) * tail[lo] + f * tail[lo + 1]);
    }

    /** CoSpaDi's modelled error at storage S: a·e_S(S/(d1 + d2)). */
    public double cospadiError(long storage) {
        return advantage * svdLlmErrorAtStorage(storage);
    }

    /** a = e_C(probe)/e_S at the probe's storage (1 when SVD-LLM's error there is below 1e-3). */
    public double advantage() {
        return advantage;
    }

    /** The orientation the probe used (null without a probe). */
    public Orientation probeOrientation() {
        return probeOrientation;
    }

    /** The probe's measured functional error (NaN without a probe). */
    public double probeError() {
        return probeError;
    }

    /** The probe's storage in values (0 without a probe). */
    public long probeStorage() {
        return probeStorage;
    }

    /**
     * The candidates: for every ratio γ' of {@code ratios} CoSpaDi at the budget of γ' with ρ = {@code atomsPerNonzero}
     * in the probe's orientation (when there was a probe and the budget exists), SVD-LLM at the rank of γ' (when ≥ 1),
     * and, last, "keep dense". Order: by ratio, CoSpaDi before SVD-LLM, dense last (the allocator's tie order).
     */
    public List<Candidate> candidates(double[] ratios, double atomsPerNonzero) {
        final List<Candidate> out = new ArrayList<>();
        for (double g : ratios) {
            if (probeOrientation != null) {
                try {
                    final Budget b = probeOrientation == Orientation.OUTPUT
                            ? Budget.forRatio(outFeatures, inFeatures, g, atomsPerNonzero, Budget.Accounting.EFFECTIVE)
                            : Budget.forRatio(inFeatures, outFeatures, g, atomsPerNonzero, Budget.Accounting.EFFECTIVE);
                    // no overcomplete dictionaries (k beyond the atoms' dimension): the fast learners need k ≤ that dimension
                    // (the OUTPUT one falls back to the reference learner, minutes per SmolLM2 down_proj), and the
                    // one-probe curve is not validated there
                    if (b.atoms() > (probeOrientation == Orientation.OUTPUT ? outFeatures : inFeatures)) continue;
                    final Candidate c = Candidate.cospadi(outFeatures, inFeatures, probeOrientation, b.atoms(), b.nonzerosPerColumn(), 0);
                    out.add(c.withError(cospadiError(c.storage())));
                } catch (IllegalArgumentException impossible) {
                    // no budget at this ratio for this shape (k or s < 1, or k beyond the matrix)
                }
            }
            final int r = (int) Math.floor((1 - g) * (double) inFeatures * outFeatures / ((double) inFeatures + outFeatures));
            if (r >= 1 && r <= Math.min(inFeatures, outFeatures)) out.add(Candidate.svdLlm(outFeatures, inFeatures, r, svdLlmError(r)));
        }
        out.add(Candidate.dense(outFeatures, inFeatures));
        return out;
    }
}
