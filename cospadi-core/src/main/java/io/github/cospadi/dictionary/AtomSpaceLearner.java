package io.github.cospadi.dictionary;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.coding.GramOmp;
import io.github.cospadi.coding.GramThreshold;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.Cholesky;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.internal.Randoms;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

/**
 * The fast schedule of the output-space learner (docs/design.md §5.7): the problem of {@link OutputSpaceLearner}
 * (W ≈ D·S, D d2 × k unit atoms, S k × d1 with s entries per input channel, minimizing F = tr(E·G·Eᵀ), E = W − D·S)
 * with every per-channel quantity kept in the k-dimensional atom space and every heavy product a float GEMM:
 * <ul>
 *   <li>for channel j the part of F that depends on its code x is G_jj·(xᵀΓx − 2xᵀa_j), Γ = DᵀD, with the
 *       correlations a_j = A_j/G_jj + Γs_j of the residual gradient A = Dᵀ·E·G = P_G − Γ·(S·G), P_G = DᵀWG;</li>
 *   <li>the coder is {@link GramThreshold} (thresholded least squares, CG refit on the support) steered by
 *       z_j = s_j + Γ⁻¹A_j/G_jj = s_j + (Γ⁻¹P_G − S·G)_j/G_jj — O(k + s²) per channel instead of OMP's k·s²/2;</li>
 *   <li>the sweep is Gauss–Seidel in blocks of {@link #BLOCK} channels: inside a block the changes δ_j are passed on
 *       to the later channels exactly (S·G and Γ·S·G corrected by G_jp·δ_j and G_jp·Γδ_j), and after the block one
 *       GEMM passes them on to all later channels; a new code is kept only when its exact change
 *       ΔF_j = G_jj·δᵀΓδ − 2δᵀA_j is negative;</li>
 *   <li>the first codes come from the compensated pass of {@link OutputSpaceLearner}, run on the atom-space targets
 *       Γ⁻¹Dᵀt_j (the part of a target outside span(D) never changes a code) in the same blocks;</li>
 *   <li>the dictionary update is MOD with G (the exact minimizer for fixed S), kept only when its exact change
 *       ΔF = ⟨M·(D_old + D_new)ᵀ − 2B, (D_new − D_old)ᵀ⟩, M = S·G·Sᵀ, B = S·G·Wᵀ, is not positive.</li>
 * </ul>
 * Changes of F are computed from the changes themselves (no cancellation against ‖W‖²_G), so the objective history
 * is non-increasing by construction; its level is anchored by one exact double evaluation of F at the end.
 * Requires k ≤ d2 (Γ invertible; {@link #applies}); otherwise use {@link OutputSpaceLearner}. Deterministic: every
 * parallel product runs in fixed blocks, the sweep is sequential.
 */
public final class AtomSpaceLearner {
    /** Channels per Gauss–Seidel block (the depth of the GEMM that passes a block's changes on). */
    static final int BLOCK = 64;
    /** Rows per parallel block of the GEMMs (a multiple of the kernel's 8-row tile). */
    private static final int GEMM_ROWS = 32;
    /**
     * Every this many iterations the sweep codes with OMP when a pass is affordable, s²/6k ≤ 10 (the rule of the INPUT
     * fast schedule): greedy selection still finds supports thresholding misses (measured on k_proj).
     */
    static final int OMP_INTERVAL = 10;
    static final double OMP_AFFORDABLE = 60;
    /** OMP codes the channels when s² ≤ this·k (see {@link State.Coder}). */
    static final long OMP_CHEAP = 16;
    /** Iterations between fresh computations of S·G (kept up to date by the sweep's float GEMMs in between). */
    private static final int REFRESH = 10;
    /** Default conjugate-gradient steps of the coder's refit. */
    public static final int REFIT_STEPS = 2;
    /** Ridge of the steering inverse (Γ + λI)⁻¹ relative to mean(diag Γ); exact quantities use Γ itself. */
    private static final double RIDGE = 1e-8;

    private final Initialization initialization;
    private final boolean extrapolation;
    private final int iterations, refitSteps, block;
    private final long ompCheap;
    private final double tolerance;
    private final long seed;
    private final Parallelism parallelism;
    private final ProgressListener listener;

    /**
     * @param refitSteps CG steps of the per-channel coder ({@link #REFIT_STEPS} by default)
     */
    public AtomSpaceLearner(Initialization initialization, int iterations, double tolerance, long seed, int refitSteps,
                            Parallelism parallelism, ProgressListener listener) {
        this(initialization, iterations, tolerance, seed, refitSteps, false, parallelism, listener);
    }

    /**
     * @param refitSteps    CG steps of the per-channel coder ({@link #REFIT_STEPS} by default)
     * @param extrapolation whether each iteration tries the extrapolated point past it (docs/design.md §5.7)
     */
    public AtomSpaceLearner(Initialization initialization, int iterations, double tolerance, long seed, int refitSteps,
                            boolean extrapolation, Parallelism parallelism, ProgressListener listener) {
        this(initialization, iterations, tolerance, seed, refitSteps, BLOCK, OMP_CHEAP, extrapolation, parallelism, listener);
    }

    /**
     * As above with the Gauss–Seidel block size (1 is the unblocked sweep: the test twin of the blocked one) and the
     * OMP threshold (OMP codes when s² ≤ ompCheap·k: 0 never, Long.MAX_VALUE always — then this is the reference
     * algorithm of {@link OutputSpaceLearner}, its test twin).
     */
    AtomSpaceLearner(Initialization initialization, int iterations, double tolerance, long seed, int refitSteps, int block,
                     long ompCheap, boolean extrapolation, Parallelism parallelism, ProgressListener listener) {
        this.ompCheap = ompCheap;
        this.extrapolation = extrapolation;
        this.initialization = Objects.requireNonNull(initialization, "initialization");
        this.iterations = Checks.positive("iterations", iterations);
        if (!(tolerance >= 0 && tolerance < 1)) throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
        this.tolerance = tolerance;
        this.seed = seed;
        if (refitSteps < 0) throw new IllegalArgumentException("refitSteps must be >= 0, got " + refitSteps);
        this.refitSteps = refitSteps;
        this.block = Checks.positive("block", block);
        this.parallelism = Objects.requireNonNull(parallelism, "parallelism");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** (exact F − tracked F)/‖W‖²_G at the end of the last run: the drift of the tracked changes, for tests. */
    volatile double lastTrackingOffset;

    /**
     * The extrapolation of §5.7, with the step rule of {@link ExtrapolationStep}: after iteration t the point
     * X_t + β·(X_t − X_{t−1}) for D and the values on X_t's supports, kept when its change of F is negative.
     */
    private final class Extrapolation {
        private double beta = ExtrapolationStep.START;
        private float[] previousDict, previousValues;
        private int[] previousRows;

        void step(State st) {
            if (previousDict != null) {
                beta = ExtrapolationStep.nextBeta(beta, st.extrapolate(beta, previousDict, previousRows, previousValues));
            }
            previousDict = st.dict.clone();
            previousRows = st.rows.clone();
            previousValues = st.values.clone();
        }
    }

    /** Whether this learner handles k atoms in R^{d2}: it needs an invertible Γ, so k ≤ d2. */
    public static boolean applies(int d2, int k) {
        return k <= d2;
    }

    /**
     * Learns D (d2 × k) and S (k × d1) for W (d2 × d1) under the positive definite Gram G (d1 × d1); the objective
     * history holds F after every iteration.
     */
    public DictionaryLearner.Result learn(FMatrixRMaj weight, DMatrixRMaj gram, int k, int s) {
        final int d2 = weight.numRows, d1 = weight.numCols;
        if (gram.numRows != d1 || gram.numCols != d1) {
            throw new IllegalArgumentException("gram is " + Checks.shape(gram) + ", expected " + d1 + "x" + d1 + " (inFeatures)");
        }
        Checks.positive("k", k);
        Checks.positive("s", s);
        if (s > k) throw new IllegalArgumentException("s (" + s + ") must not exceed k (" + k + ")");
        if (!applies(d2, k)) throw new IllegalArgumentException("k (" + k + ") beyond the " + d2 + " output features: use OutputSpaceLearner");
        final long start = System.nanoTime();
        final State st = new State(weight, gram.data, k, s);
        initialize(st, new SplittableRandom(seed));
        st.atomState();
        final double[] u = compensationFactor(gram, parallelism);
        st.compensatedPass(u);
        final double initSeconds = (System.nanoTime() - start) / 1e9;
        double codingSeconds = 0, updateSeconds = 0;
        final List<Double> tracked = new ArrayList<>();
        int reseeds = 0;
        double objective = st.tracked, previous = objective;
        final Extrapolation steps = extrapolation ? new Extrapolation() : null;
        for (int it = 1; it <= iterations; it++) {
            final long t0 = System.nanoTime();
            st.sweep(it % OMP_INTERVAL == 0 && (double) s * s <= OMP_AFFORDABLE * k);
            if (it % REFRESH == 0) st.refreshCodeProducts(); // S·G afresh: the sweeps' GEMM updates round in float
            final long t1 = System.nanoTime();
            codingSeconds += (t1 - t0) / 1e9;
            reseeds += st.mod();
            if (steps != null) {
                st.transposeDictionary(); // the extrapolation needs Dᵀ only; Γ and the rest once, for the point kept
                steps.step(st);
            }
            st.atomState();
            updateSeconds += (System.nanoTime() - t1) / 1e9;
            objective = st.tracked;
            tracked.add(objective);
            final ProgressEvent event = new ProgressEvent("iteration", it, iterations, objective,
                    Duration.ofNanos(System.nanoTime() - start));
            listener.onProgress(event);
            if (event.isCancelled() || Thread.currentThread().isInterrupted()) {
                throw new CancellationException("compression cancelled");
            }
            // (the tracked level is approximate until the end, so only the relative improvement stops it)
            if (tolerance > 0 && (previous - objective) < tolerance * Math.abs(previous)) break;
            previous = objective;
        }
        // anchor the tracked history (exact differences, approximate level) at the exact final F
        final double offset = st.exactObjective() - objective;
        lastTrackingOffset = offset / Math.max(st.energy, Double.MIN_NORMAL);
        final List<Double> history = new ArrayList<>(tracked.size());
        for (double f : tracked) history.add(Math.max(0, f + offset));
        final FMatrixRMaj dictionary = new FMatrixRMaj(d2, k);
        for (int r = 0; r < d2; r++) System.arraycopy(st.dict, r * st.kp, dictionary.data, r * k, k);
        return new DictionaryLearner.Result(dictionary, new ColumnSparseMatrix(k, d1, s, st.rows.clone(), st.values.clone()),
                history, reseeds, codingSeconds, updateSeconds, initSeconds);
    }

    /** OutputSpaceLearner's initialization: the top-k eigenvectors of W·G·Wᵀ, then random columns of W; unit atoms. */
    private void initialize(State st, SplittableRandom random) {
        final int d2 = st.d2, d1 = st.d1, k = st.k;
        int filled = 0;
        if (initialization == Initialization.SVD) {
            final double[] wt = new double[d1 * d2];
            for (int r = 0; r < d2; r++) for (int p = 0; p < d1; p++) wt[p * d2 + r] = st.w[r * d1 + p];
            final DMatrixRMaj m = new DMatrixRMaj(d2, d2);
            OutputSpaceLearner.product(st.wg, wt, m.data, d2, d1, d2, parallelism);
            for (int i = 0; i < d2; i++) for (int j = 0; j < i; j++) m.data[i * d2 + j] = m.data[j * d2 + i] = 0.5 * (m.data[i * d2 + j] + m.data[j * d2 + i]);
            for (double[] v : DictionaryLearner.topEigenvectors(m, k, parallelism)) {
                for (int r = 0; r < d2; r++) st.dict[r * st.kp + filled] = (float) v[r];
                filled++;
            }
        }
        final int[] perm = Randoms.permutation(d1, random);
        for (int c = 0; filled < k; c++, filled++) {
            for (int r = 0; r < d2; r++) st.dict[r * st.kp + filled] = (float) st.w[r * d1 + perm[c]];
        }
        for (int a = 0; a < k; a++) {
            double norm = 0;
            for (int r = 0; r < d2; r++) norm += (double) st.dict[r * st.kp + a] * st.dict[r * st.kp + a];
            if (!(norm > 0)) {
                norm = 0;
                for (int r = 0; r < d2; r++) {
                    final double v = Randoms.gaussian(random);
                    st.dict[r * st.kp + a] = (float) v;
                    norm += v * v;
                }
            }
            final double inv = 1 / Math.sqrt(norm);
            for (int r = 0; r < d2; r++) st.dict[r * st.kp + a] = (float) (st.dict[r * st.kp + a] * inv);
        }
        for (int j = 0; j < d1; j++) for (int q = 0; q < st.s; q++) st.rows[j * st.s + q] = q;
    }

    /**
     * U, upper triangular with UᵀU = (G + λI)⁻¹, λ = {@link OutputSpaceLearner#DAMPING}·mean(diag G): the same factor as
     * {@link OutputSpaceLearner#compensationFactor} (its test oracle) from one Cholesky and one triangular inverse. With
     * P the reversal, P(G + λI)P = LᵀL (L upper), so G + λI = V·Vᵀ for the upper V = P·Lᵀ·P and U = V⁻¹ = P·L⁻ᵀ·P.
     */
    static double[] compensationFactor(DMatrixRMaj gram, Parallelism parallelism) {
        final int n = gram.numRows;
        final double[] g = gram.data;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += g[i * n + i];
        mean /= n;
        final double lambda = OutputSpaceLearner.DAMPING * (mean > 0 ? mean : 1);
        final DMatrixRMaj reversed = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) reversed.data[i * n + j] = g[(n - 1 - i) * n + (n - 1 - j)];
        final DMatrixRMaj l = Cholesky.upper(reversed, lambda, 0, parallelism);
        if (l == null) throw new IllegalStateException("damped Gram not positive definite (lambda=" + lambda + ")");
        final double[] xt = upperInverseTransposed(l.data, n);
        final double[] u = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) u[i * n + j] = xt[(n - 1 - i) * n + (n - 1 - j)];
        return u;
    }

    /**
     * X = L⁻¹ for an upper triangular L (n × n, row-major), returned transposed: row c holds column c of X (entries
     * 0..c), so the back substitution X[i, c] = (δ_ic − Σ_{p>i} L[i, p]·X[p, c])/L[i, i] is one contiguous dot product.
     */
    static double[] upperInverseTransposed(double[] l, int n) {
        final FloatOps ops = FloatOps.get();
        final double[] xt = new double[n * n];
        for (int c = 0; c < n; c++) {
            for (int i = c; i >= 0; i--) {
                final double v = (i == c ? 1 : 0) - ops.dot(l, i * n + i + 1, xt, c * n + i + 1, c - i);
                xt[c * n + i] = v / l[i * n + i];
            }
        }
        return xt;
    }

    /** c[i, :] = Σ_r at[i·m + r]·b[r, :] for rows i in [from, to): the float GEMM kernel in fixed row blocks. */
    private void gemm(float[] at, int m, float[] b, int n, float[] c, int from, int to) {
        parallelism.forEachBlock(to - from, GEMM_ROWS, (f, t) -> FloatOps.get().gemmTransposedA(at, m, b, n, c, from + f, from + t));
    }

    private final class State {
        final int d2, d1, k, s;
        final int kp;              // k rounded up to 16: the row length of every k-wide array (whole vector tiles)
        final double[] w, g;       // W (d2 x d1), G (d1 x d1), double
        final float[] gf;          // G, float
        final double[] wg;         // W·G (d2 x d1), double
        final float[] gwt;         // (W·G)ᵀ = G·Wᵀ (d1 x d2)
        final float[] wt;          // Wᵀ (d1 x d2)
        final double energy;       // tr(W·G·Wᵀ)
        final float[] dict;        // D (d2 x k)
        final float[] dictT;       // Dᵀ (k x d2)
        final float[] gamma;       // Γ = DᵀD (k x k)
        final DMatrixRMaj gammaD;  // Γ in double, unpadded (OMP's Cholesky)
        final float[] ginv;        // (Γ + λI)⁻¹ (k x k)
        final double[] ginvDiag;
        final int[] rows;          // S: channel j's entries at j*s .. j*s+s-1
        final float[] values;
        final float[] st;          // Sᵀ dense (d1 x k)
        final float[] sgt;         // (S·G)ᵀ = G·Sᵀ (d1 x k)
        final float[] pgt;         // P_Gᵀ = G·Wᵀ·D (d1 x k)
        final float[] zgt;         // P_Gᵀ·(Γ + λI)⁻¹ (d1 x k)
        final float[] gsg;         // rows of the current block of (Γ·S·G)ᵀ (d1 x k)
        final float[] tmp;         // GEMM output (d1 x k)
        final float[] gst;         // rows of the current block of (Γ·S)ᵀ = Sᵀ·Γ (d1 x k)
        double tracked;            // F, tracked through exact changes
        float[] left, right, part; // d1 x d2 work arrays of the extrapolation, allocated on its first use

        State(FMatrixRMaj weight, double[] g, int k, int s) {
            d2 = weight.numRows;
            d1 = weight.numCols;
            this.k = k;
            this.kp = (k + 15) / 16 * 16;
            this.s = s;
            this.g = g;
            w = new double[d2 * d1];
            for (int i = 0; i < w.length; i++) w[i] = weight.data[i];
            gf = io.github.cospadi.internal.DenseOps.toFloat(g);
            wg = new double[d2 * d1];
            OutputSpaceLearner.product(w, g, wg, d2, d1, d1, parallelism);
            double e = 0;
            for (int i = 0; i < w.length; i++) e += w[i] * wg[i];
            energy = e;
            gwt = new float[d1 * d2];
            wt = new float[d1 * d2];
            for (int r = 0; r < d2; r++) {
                for (int p = 0; p < d1; p++) {
                    gwt[p * d2 + r] = (float) wg[r * d1 + p];
                    wt[p * d2 + r] = weight.data[r * d1 + p];
                }
            }
            dict = new float[d2 * kp];
            dictT = new float[kp * d2];
            gamma = new float[kp * kp];
            gammaD = new DMatrixRMaj(k, k);
            ginv = new float[kp * kp];
            ginvDiag = new double[k];
            rows = new int[d1 * s];
            values = new float[d1 * s];
            st = new float[d1 * kp];
            sgt = new float[d1 * kp];
            pgt = new float[d1 * kp];
            zgt = new float[d1 * kp];
            gsg = new float[d1 * kp];
            tmp = new float[d1 * kp];
            gst = new float[d1 * kp];
            tracked = energy;
        }

        /**
         * The per-channel coder: {@link GramThreshold} in the dense regime it is made for, greedy OMP on the atom Gram
         * ({@link GramOmp}) where OMP is cheap — s² ≤ {@link #OMP_CHEAP}·k, i.e. k·s²/2 within a small factor of the
         * threshold coder's 2ks + 3s² — and thresholding is at its weakest (few atoms out of many).
         */
        final class Coder {
            private final GramThreshold threshold;
            private final GramOmp omp;
            private final double[] correlations = new double[k];

            Coder() {
                this(false);
            }

            Coder(boolean forceOmp) {
                final boolean useOmp = forceOmp || useOmp();
                threshold = useOmp ? null : new GramThreshold(gamma, kp, ginvDiag, k, s, refitSteps);
                omp = useOmp ? new GramOmp(gammaD, s) : null;
            }

            /** Codes the target with steering coefficients z (at zOff) and correlations a = Dᵀt (at aOff). */
            void code(float[] z, int zOff, float[] a, int aOff, int[] out, float[] outValues, int off) {
                if (threshold != null) {
                    threshold.code(z, zOff, a, aOff, out, outValues, off);
                } else {
                    for (int i = 0; i < k; i++) correlations[i] = a[aOff + i];
                    omp.code(correlations, out, outValues, off);
                }
            }
        }

        boolean useOmp() {
            return (double) s * s <= (double) ompCheap * k;
        }

        /** Dᵀ for the current D. */
        void transposeDictionary() {
            for (int r = 0; r < d2; r++) for (int a = 0; a < k; a++) dictT[a * d2 + r] = dict[r * kp + a];
        }

        /** Dᵀ, Γ, the steering inverse, P_Gᵀ and P_Gᵀ·Γ⁻¹ for the current D. */
        void atomState() {
            transposeDictionary();
            gemm(dictT, d2, dict, kp, gamma, 0, kp);
            final DMatrixRMaj gd = gammaD;
            double mean = 0;
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < a; b++) {
                    final double v = 0.5 * ((double) gamma[a * kp + b] + gamma[b * kp + a]);
                    gd.data[a * k + b] = gd.data[b * k + a] = v;
                    gamma[a * kp + b] = gamma[b * kp + a] = (float) v;
                }
                double diag = 0;
                for (int r = 0; r < d2; r++) diag += (double) dictT[a * d2 + r] * dictT[a * d2 + r];
                gd.data[a * k + a] = diag;
                gamma[a * kp + a] = (float) diag;
                mean += diag;
            }
            mean = mean > 0 ? mean / k : 1;
            inverse(gd, mean);
            gemm(gwt, d2, dict, kp, pgt, 0, d1);
            gemm(pgt, kp, ginv, kp, zgt, 0, d1);
        }

        /** ginv = (Γ + λI)⁻¹ through the upper Cholesky factor, λ = RIDGE·mean(diag Γ) (raised until it factors). */
        private void inverse(DMatrixRMaj gd, double mean) {
            DMatrixRMaj l = null;
            for (double ridge = RIDGE; l == null && ridge < 1; ridge *= 100) l = Cholesky.upper(gd, ridge * mean, 0, parallelism);
            if (l == null) throw new IllegalStateException("atom Gram not positive semidefinite (non-finite dictionary?)");
            final double[] xt = upperInverseTransposed(l.data, k); // X = L⁻¹, transposed
            // (Γ + λI)⁻¹ = X·Xᵀ: one float GEMM (the inverse only steers); its diagonal in double
            final float[] xf = new float[kp * kp], xtf = new float[kp * kp];
            Arrays.fill(ginvDiag, 0);
            for (int c = 0; c < k; c++) {
                for (int i = 0; i <= c; i++) {
                    final double v = xt[c * k + i];
                    xf[i * kp + c] = (float) v;
                    xtf[c * kp + i] = (float) v;
                    ginvDiag[i] += v * v;
                }
            }
            gemm(xf, kp, xtf, kp, ginv, 0, kp);
        }

        /**
         * The compensated pass of {@link OutputSpaceLearner} in atom space: channel j's target z_j = Γ⁻¹Dᵀt_j is coded,
         * and its error z_j − x_j, divided by U_jj, moves the later targets along row j of U (inside the block at once,
         * for the channels after the block by one GEMM per block). Then S·G, and the pass is kept if it lowers F.
         */
        void compensatedPass(double[] u) {
            final FloatOps ops = FloatOps.get();
            final Coder coder = new Coder();
            final float[] zt = new float[d1 * kp];
            gemm(wt, d2, dict, kp, tmp, 0, d1);     // Wᵀ·D
            gemm(tmp, kp, ginv, kp, zt, 0, d1);     // Z'ᵀ = Wᵀ·D·Γ⁻¹
            final float[] a = new float[kp];
            final float[] errs = new float[block * kp];
            final float[] ut = new float[d1 * block];
            for (int j0 = 0; j0 < d1; j0 += block) {
                final int j1 = Math.min(d1, j0 + block), b = j1 - j0;
                for (int j = j0; j < j1; j++) {
                    ops.dotRows(gamma, 0, kp, k, zt, j * kp, k, a, 0);
                    coder.code(zt, j * kp, a, 0, rows, values, j * s);
                    final int e = (j - j0) * kp;
                    System.arraycopy(zt, j * kp, errs, e, kp);
                    for (int q = j * s; q < (j + 1) * s; q++) errs[e + rows[q]] -= values[q];
                    final float inv = (float) (1 / u[j * d1 + j]);
                    for (int i = 0; i < k; i++) errs[e + i] *= inv;
                    for (int p = j + 1; p < j1; p++) {
                        final float upj = (float) u[j * d1 + p];
                        if (upj != 0) ops.axpy(-upj, errs, e, zt, p * kp, k);
                    }
                }
                if (j1 < d1) {
                    for (int p = j1; p < d1; p++) for (int j = j0; j < j1; j++) ut[p * b + (j - j0)] = (float) u[j * d1 + p];
                    gemm(ut, b, errs, kp, tmp, j1, d1);
                    for (int i = j1 * kp; i < d1 * kp; i++) zt[i] -= tmp[i];
                }
            }
            refreshCodeProducts();
            // F = ‖W‖²_G − 2⟨S, P_G⟩ + ⟨Γ, S·G·Sᵀ⟩: only to decide whether to keep the pass (it is far below ‖W‖²_G)
            final float[] sd = sparseTransposed();
            final float[] m = new float[k * kp];
            gemm(sd, d1, sgt, kp, m, 0, k);
            double f = energy;
            for (int j = 0; j < d1; j++) for (int q = j * s; q < (j + 1) * s; q++) f -= 2.0 * values[q] * pgt[j * kp + rows[q]];
            for (int i = 0; i < k * kp; i++) f += (double) gamma[i] * m[i];
            if (f < energy) {
                tracked = f;
            } else {
                Arrays.fill(values, 0);
                for (int j = 0; j < d1; j++) for (int q = 0; q < s; q++) rows[j * s + q] = q;
                refreshCodeProducts();
            }
        }

        /** Sᵀ dense and (S·G)ᵀ = G·Sᵀ from the sparse codes. */
        void refreshCodeProducts() {
            Arrays.fill(st, 0);
            for (int j = 0; j < d1; j++) for (int q = j * s; q < (j + 1) * s; q++) st[j * kp + rows[q]] = values[q];
            gemm(gf, d1, st, kp, sgt, 0, d1);
        }

        /** S dense (k x d1). */
        private float[] sparseTransposed() {
            final float[] sd = new float[k * d1];
            for (int j = 0; j < d1; j++) for (int q = j * s; q < (j + 1) * s; q++) sd[rows[q] * d1 + j] = values[q];
            return sd;
        }

        /** One blocked Gauss–Seidel sweep over the channels (coded by OMP if asked); Sᵀ and S·G are kept up to date. */
        void sweep(boolean omp) {
            final FloatOps ops = FloatOps.get();
            final Coder coder = new Coder(omp);
            final float[] gr = new float[kp], zz = new float[kp], aa = new float[kp], gs = new float[kp], gx = new float[kp];
            final float[] dl = new float[kp], gd = new float[kp];
            final float[] deltas = new float[block * kp];
            final float[] saved = new float[block * kp];
            final float[] gcol = new float[d1 * block];
            final int[] newRows = new int[s];
            final float[] newValues = new float[s];
            double change = 0;
            for (int j0 = 0; j0 < d1; j0 += block) {
                final int j1 = Math.min(d1, j0 + block), b = j1 - j0;
                gemm(sgt, kp, gamma, kp, gsg, j0, j1); // rows j of (Γ·S·G)ᵀ
                gemm(st, kp, gamma, kp, gst, j0, j1);  // rows j of (Γ·S)ᵀ, from the codes before the block
                System.arraycopy(sgt, j0 * kp, saved, 0, b * kp);
                Arrays.fill(deltas, 0);
                boolean any = false;
                for (int j = j0; j < j1; j++) {
                    final double gjj = g[j * d1 + j];
                    if (!(gjj > 0)) continue;
                    final int off = j * s, row = j * kp;
                    System.arraycopy(gst, row, gs, 0, kp);
                    final float inv = (float) (1 / gjj);
                    for (int i = 0; i < k; i++) {
                        gr[i] = (pgt[row + i] - gsg[row + i]) * inv;    // A_j/G_jj: the gradient at s_j
                        zz[i] = (zgt[row + i] - sgt[row + i]) * inv;    // Γ⁻¹A_j/G_jj
                        aa[i] = gr[i] + gs[i];                           // Dᵀt_j
                    }
                    for (int q = off; q < off + s; q++) zz[rows[q]] += values[q];
                    coder.code(zz, 0, aa, 0, newRows, newValues, 0);
                    // δ = x − s_j, Γδ = Γx − Γs_j, ΔF_j/G_jj = δᵀΓδ − 2δᵀ(A_j/G_jj)
                    Arrays.fill(dl, 0);
                    Arrays.fill(gx, 0);
                    for (int q = 0; q < s; q++) {
                        dl[newRows[q]] += newValues[q];
                        if (newValues[q] != 0) ops.axpy(newValues[q], gamma, newRows[q] * kp, gx, 0, k);
                    }
                    for (int q = off; q < off + s; q++) dl[rows[q]] -= values[q];
                    double quad = 0, lin = 0;
                    for (int i = 0; i < k; i++) {
                        gd[i] = gx[i] - gs[i];
                        quad += (double) dl[i] * gd[i];
                        lin += (double) dl[i] * gr[i];
                    }
                    final double delta = quad - 2 * lin;
                    if (!(delta < 0)) continue;
                    change += gjj * delta;
                    for (int q = off; q < off + s; q++) st[row + rows[q]] = 0;
                    for (int q = 0; q < s; q++) st[row + newRows[q]] = newValues[q];
                    System.arraycopy(newRows, 0, rows, off, s);
                    System.arraycopy(newValues, 0, values, off, s);
                    System.arraycopy(dl, 0, deltas, (j - j0) * kp, kp);
                    any = true;
                    for (int p = j + 1; p < j1; p++) {
                        final float gjp = gf[j * d1 + p];
                        if (gjp == 0) continue;
                        ops.axpy(gjp, dl, 0, sgt, p * kp, k);
                        ops.axpy(gjp, gd, 0, gsg, p * kp, k);
                    }
                }
                // S·G for every channel: the block's own rows as they were, then the block's changes by one GEMM
                System.arraycopy(saved, 0, sgt, j0 * kp, b * kp);
                if (any) {
                    for (int p = 0; p < d1; p++) System.arraycopy(gf, p * d1 + j0, gcol, p * b, b);
                    gemm(gcol, b, deltas, kp, tmp, 0, d1);
                    for (int i = 0; i < d1 * kp; i++) sgt[i] += tmp[i];
                }
            }
            tracked += change;
        }

        /**
         * MOD with G over the used atoms, kept when its exact change of F is not positive; atoms normalized (codes and
         * S·G rescaled), unused atoms re-seeded. Returns how many were re-seeded.
         */
        int mod() {
            final float[] sd = sparseTransposed();
            final float[] mf = new float[k * kp];
            gemm(sd, d1, sgt, kp, mf, 0, k);         // M = S·G·Sᵀ
            final float[] bf = new float[k * d2];
            gemm(sd, d1, gwt, d2, bf, 0, k);         // B = S·G·Wᵀ
            final boolean[] used = new boolean[k];
            for (int q = 0; q < values.length; q++) if (values[q] != 0) used[rows[q]] = true;
            final int[] index = new int[k];
            int n = 0;
            for (int a = 0; a < k; a++) if (used[a]) index[n++] = a;
            final float[] next = dict.clone();
            if (n > 0 && solve(mf, bf, index, n, next)) {
                // ΔF = ⟨M·(D_old + D_new)ᵀ − 2B, (D_new − D_old)ᵀ⟩
                final float[] sum = new float[kp * d2];
                for (int r = 0; r < d2; r++) for (int a = 0; a < k; a++) sum[a * d2 + r] = dict[r * kp + a] + next[r * kp + a];
                final float[] prod = new float[k * d2];
                gemm(mf, kp, sum, d2, prod, 0, k);
                double change = 0;
                for (int a = 0; a < k; a++) {
                    for (int r = 0; r < d2; r++) {
                        change += ((double) prod[a * d2 + r] - 2.0 * bf[a * d2 + r]) * ((double) next[r * kp + a] - dict[r * kp + a]);
                    }
                }
                if (change <= 0) {
                    System.arraycopy(next, 0, dict, 0, dict.length);
                    tracked += change;
                }
            }
            // unit atoms; the codes (and S·G) take the scale
            final float[] scale = new float[k];
            for (int a = 0; a < k; a++) {
                double norm = 0;
                for (int r = 0; r < d2; r++) norm += (double) dict[r * kp + a] * dict[r * kp + a];
                norm = Math.sqrt(norm);
                if (!(norm > 0) || !Double.isFinite(norm)) {
                    used[a] = false;   // a zero atom: its codes contribute nothing; drop them and re-seed it
                    continue;
                }
                scale[a] = (float) norm;
                final float inv = (float) (1 / norm);
                for (int r = 0; r < d2; r++) dict[r * kp + a] *= inv;
            }
            for (int q = 0; q < values.length; q++) values[q] *= used[rows[q]] ? scale[rows[q]] : 0;
            for (int p = 0; p < d1; p++) {
                for (int a = 0; a < k; a++) {
                    final float f = used[a] ? scale[a] : 0;
                    sgt[p * kp + a] *= f;
                    st[p * kp + a] *= f;
                }
            }
            int reseeds = 0;
            for (int a = 0; a < k; a++) if (!used[a]) reseeds++;
            if (reseeds > 0) reseed(used);
            return reseeds;
        }

        /** D_u = B_uᵀ·M_uu⁻¹ into next (columns of the used atoms); false when M_uu does not factor. */
        private boolean solve(float[] mf, float[] bf, int[] index, int n, float[] next) {
            final DMatrixRMaj m = new DMatrixRMaj(n, n);
            double mean = 0;
            for (int i = 0; i < n; i++) {
                for (int l = 0; l < n; l++) {
                    m.data[i * n + l] = 0.5 * ((double) mf[index[i] * kp + index[l]] + mf[index[l] * kp + index[i]]);
                }
                mean += m.data[i * n + i];
            }
            mean = mean > 0 ? mean / n : 1;
            DMatrixRMaj l = Cholesky.upper(m, 0, 1e-12 * mean, parallelism);
            if (l == null) l = Cholesky.upper(m, 1e-10 * mean, 0, parallelism);
            if (l == null) return false;
            final double[] y = new double[n * d2];
            for (int i = 0; i < n; i++) for (int r = 0; r < d2; r++) y[i * d2 + r] = bf[index[i] * d2 + r];
            // M = LᵀL: Lᵀ·Y = B, then L·X = Y, both blocked on the double tile kernel
            final double[] lower = new double[n * n];
            for (int i = 0; i < n; i++) for (int p = i; p < n; p++) lower[p * n + i] = l.data[i * n + p];
            Cholesky.solveLower(lower, n, y, d2, parallelism);
            Cholesky.solveUpper(l.data, n, y, d2, parallelism);
            for (int i = 0; i < n * d2; i++) if (!Double.isFinite(y[i])) return false;
            for (int i = 0; i < n; i++) for (int r = 0; r < d2; r++) next[r * kp + index[i]] = (float) y[i * d2 + r];
            return true;
        }

        /** Unused atoms become the normalized residuals of the channels with the largest G_jj·‖E[:, j]‖². */
        private void reseed(boolean[] used) {
            final double[] e = residual();
            Reseeding.reseed(e, g, d2, d1, used, (a, j, inv) -> {
                for (int r = 0; r < d2; r++) dict[r * kp + a] = (float) (e[r * d1 + j] * inv);
            });
        }

        /** E = W − D·S in double. */
        private double[] residual() {
            // (D·S)[:, j] = Σ_q values[q]·D[:, rows[q]] as rows of (D·S)ᵀ against rows of Dᵀ (unit stride, in double: a
            // product of two floats is exact), each entry the same chain over q as an entry-by-entry sum
            final double[] dt = new double[k * d2];
            for (int r = 0; r < d2; r++) for (int a = 0; a < k; a++) dt[a * d2 + r] = dict[r * kp + a];
            final double[] e = w.clone();
            parallelism.forEachBlock(d1, 32, (from, to) -> {
                final double[] acc = new double[(to - from) * d2];
                for (int j = from; j < to; j++) {
                    final int base = (j - from) * d2;
                    for (int q = j * s; q < (j + 1) * s; q++) {
                        final double v = values[q];
                        final int a = rows[q] * d2;
                        for (int r = 0; r < d2; r++) acc[base + r] += v * dt[a + r];
                    }
                }
                for (int r = 0; r < d2; r++) {
                    final int er = r * d1;
                    for (int j = from; j < to; j++) e[er + j] -= acc[(j - from) * d2 + r];
                }
            });
            return e;
        }

        /**
         * Moves to X_e = X + β·(X − X_prev) (D with renormalized atoms and rescaled codes; the values on the current
         * supports, an entry new to a support extrapolated from 0) when that lowers F; returns whether it did. With
         * Δ = D_e·S_e − D·S and E = W − D·S, ΔF = F(X_e) − F(X) = ⟨Δ − 2E, Δ·G⟩ = ⟨D_e·S_e + D·S − 2W, D_e·(S_e·G) −
         * D·(S·G)⟩: both factors are of the size of the residual or of the step, so the float GEMMs give ΔF to a small
         * relative error, with no cancellation against ‖W‖²_G. Needs Dᵀ current; leaves Γ and the atom state to the
         * caller ({@link #atomState}, once for whichever point is kept).
         */
        boolean extrapolate(double beta, float[] previousDict, int[] previousRows, float[] previousValues) {
            final float[] dict0 = dict.clone(), values0 = values.clone(), st0 = st.clone(), sgt0 = sgt.clone();
            final double[] scale = new double[k];
            if (!ExtrapolationStep.extrapolateAtoms(dict0, previousDict, dict, beta, scale, k, d2, 1, kp)) {
                System.arraycopy(dict0, 0, dict, 0, dict.length);
                return false;
            }
            ExtrapolationStep.extrapolateValues(rows, values0, values, previousRows, previousValues, beta, scale, k, d1, s);
            refreshCodeProducts();
            final float[] dictTe = new float[kp * d2];
            for (int r = 0; r < d2; r++) for (int a = 0; a < k; a++) dictTe[a * d2 + r] = dict[r * kp + a];
            if (left == null) {
                left = new float[d1 * d2];
                right = new float[d1 * d2];
                part = new float[d1 * d2];
            }
            final float[] left = this.left, right = this.right, part = this.part;
            gemm(st, kp, dictTe, d2, left, 0, d1);       // (D_e·S_e)ᵀ
            gemm(st0, kp, dictT, d2, part, 0, d1);       // (D·S)ᵀ
            for (int i = 0; i < left.length; i++) left[i] += part[i] - 2 * wt[i];
            gemm(sgt, kp, dictTe, d2, right, 0, d1);     // (D_e·S_e·G)ᵀ
            gemm(sgt0, kp, dictT, d2, part, 0, d1);      // (D·S·G)ᵀ
            double change = 0;
            for (int i = 0; i < left.length; i++) change += (double) left[i] * (right[i] - part[i]);
            if (change < 0 && Double.isFinite(change)) {
                tracked += change;
                return true;
            }
            System.arraycopy(dict0, 0, dict, 0, dict.length);
            System.arraycopy(values0, 0, values, 0, values.length);
            System.arraycopy(st0, 0, st, 0, st.length);
            System.arraycopy(sgt0, 0, sgt, 0, sgt.length);
            return false;
        }

        /** F = tr(E·G·Eᵀ) in double (one double GEMM). */
        double exactObjective() {
            final double[] e = residual();
            final double[] eg = new double[d2 * d1];
            OutputSpaceLearner.product(e, g, eg, d2, d1, d1, parallelism);
            double f = 0;
            for (int i = 0; i < e.length; i++) f += e[i] * eg[i];
            return Math.max(f, 0);
        }
    }
}
