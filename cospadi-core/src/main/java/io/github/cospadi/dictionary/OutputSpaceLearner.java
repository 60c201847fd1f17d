package io.github.cospadi.dictionary;

import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.coding.GramOmp;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.internal.Randoms;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

/**
 * Dictionary learning with the dictionary in the <em>output</em> space (docs/design.md §5.6): W ≈ D·S for the weight
 * W (d2 × d1), D (d2 × k, unit atoms), S (k × d1, exactly s nonzeros per column: one sparse code per input channel),
 * minimizing F = tr(E·G·Eᵀ) = ‖X·(W − Ŵ)ᵀ‖², E = W − D·S, for the input Gram G (d1 × d1, positive definite: the
 * shifted Gram the whitening factors). G couples the columns of S, so there is no whitened form to code column by
 * column; instead:
 * <ul>
 *   <li><b>the first codes</b> come from a compensated pass (GPTQ's sequential elimination with OMP in place of
 *       rounding, see {@link #compensationFactor});</li>
 *   <li><b>coding</b> is one Gauss–Seidel sweep over the input channels j: with C = E·G, the part of F that depends on
 *       column j is G_jj·‖D·s − t_j‖² for t_j = C[:, j]/G_jj + D·s_j, so OMP of t_j against D gives its new code; it is
 *       kept only when it lowers that term, then C −= D(s_new − s_old)·G[j, :];</li>
 *   <li><b>the dictionary update</b> is MOD with G: D = W·G·Sᵀ·(S·G·Sᵀ)⁻¹, the exact minimizer for fixed S; atoms
 *       no column uses are re-seeded from the worst-represented channel (largest G_jj·‖E[:, j]‖²).</li>
 * </ul>
 * Both steps are exact block minimizations, so F never increases. Initialization: the top-k eigenvectors of W·G·Wᵀ
 * (the left singular vectors of W·Lᵀ, SVD-LLM's basis), then random columns of W when k > d2.
 *
 * <p>Cost per iteration: the product E·G (d2·d1² multiply-adds, parallel), d1 rank-one updates of C (d2·d1 each,
 * sequential), OMP per channel and MOD; once: U (d1³) and the pass. Fine for layers up to a few thousand features,
 * much slower than the input-space {@link DictionaryLearner} on the largest ones. Deterministic; the result does not
 * depend on the thread count.
 */
public final class OutputSpaceLearner implements Learner {
    /** Rows per parallel block of the products; fixed so results do not depend on threads. */
    private static final int ROW_BLOCK = 16;
    /** Rows per parallel block of {@link #product} (each element is one fixed chain: any block size gives the same bits). */
    private static final int PRODUCT_ROWS = 64;
    /** λ/mean(diag G) of the damping in the compensated pass (GPTQ's default); it only steers candidates. */
    static final double DAMPING = 0.01;

    private final LearningOptions options;

    /**
     * A learner with these options; it reads the initialization, iterations, tolerance, seed, parallelism and progress
     * (it codes with its own Gauss–Seidel OMP and updates by MOD with G).
     */
    public OutputSpaceLearner(LearningOptions options) {
        this.options = java.util.Objects.requireNonNull(options, "options");
    }

    /** OUTPUT: the atoms live in the output space. */
    @Override
    public Orientation orientation() {
        return Orientation.OUTPUT;
    }

    /**
     * Learns W ≈ D·S for the problem's one weight against its Gram G + δI ({@link LearningProblem#gram()}); nothing to
     * map back.
     *
     * @throws IllegalArgumentException for a problem of more than one weight
     */
    @Override
    public LearnedFactors learn(LearningProblem problem, int atoms, int nonzerosPerColumn) {
        if (problem.members() != 1) {
            throw new IllegalArgumentException("the OUTPUT learner takes one weight, got a problem of " + problem.members());
        }
        final FMatrixRMaj weight = problem.weight(0);
        // the fast schedule runs the atom-space learner where it applies (k ≤ outFeatures; design §5.7)
        final boolean atomSpace = options.adaptiveInterval() && AtomSpaceLearner.applies(weight.numRows, atoms);
        final DictionaryLearner.Result r = atomSpace
                ? new AtomSpaceLearner(options.initialization(), options.iterations(), options.tolerance(), options.seed(),
                        AtomSpaceLearner.REFIT_STEPS, options.extrapolation(), options.parallelism(), options.progress())
                        .learn(weight, problem.gram(), atoms, nonzerosPerColumn)
                : learn(weight, problem.gram(), atoms, nonzerosPerColumn);
        final Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("init", r.initSeconds());
        phases.put("coding", r.codingSeconds());
        phases.put("dictionary", r.updateSeconds());
        return new LearnedFactors(r.dictionary(), List.of(r.codes()), atomSpace ? "threshold-gauss-seidel" : "omp-gauss-seidel",
                r.objective(), r.objective().size(),
                r.unusedAtomReseeds(), phases);
    }

    /**
     * Learns D (d2 × k) and S (k × d1) for the weight W (d2 × d1) under the positive definite Gram G (d1 × d1). The
     * objective history holds F = ‖X(W − Ŵ)ᵀ‖² after every iteration.
     */
    public DictionaryLearner.Result learn(FMatrixRMaj weight, DMatrixRMaj gram, int k, int s) {
        final int d2 = weight.numRows, d1 = weight.numCols;
        if (gram.numRows != d1 || gram.numCols != d1) {
            throw new IllegalArgumentException("gram is " + Checks.shape(gram) + ", expected " + d1 + "x" + d1 + " (inFeatures)");
        }
        Checks.positive("k", k);
        Checks.positive("s", s);
        if (s > k) throw new IllegalArgumentException("s (" + s + ") must not exceed k (" + k + ")");
        if (k > d1) throw new IllegalArgumentException("k (" + k + ") beyond the " + d1 + " input channels");
        final long start = System.nanoTime();
        final Parallelism parallelism = options.parallelism();
        final int iterations = options.iterations();
        final double tolerance = options.tolerance();
        final State st = new State(weight, gram.data, k, s);
        final SplittableRandom random = new SplittableRandom(options.seed());
        initialize(st, random);
        final double[] compensation = compensationFactor(gram, parallelism);
        final double initSeconds = (System.nanoTime() - start) / 1e9;
        double codingSeconds = 0, updateSeconds = 0;
        final List<Double> history = new ArrayList<>();
        int reseeds = 0;
        st.residualProduct(parallelism);
        double previous = st.objective();
        final int[] keptRows = new int[st.rows.length];
        final float[] keptValues = new float[st.values.length];
        for (int it = 1; it <= iterations; it++) {
            final long t0 = System.nanoTime();
            final DMatrixRMaj dtd = st.atomGram();
            if (it == 1) {
                // the first codes come from the compensated pass, kept when they lower F (they always did in the
                // measurements; as a candidate in later iterations too it won 1 time in 60 and cost twice the time)
                System.arraycopy(st.rows, 0, keptRows, 0, keptRows.length);
                System.arraycopy(st.values, 0, keptValues, 0, keptValues.length);
                st.compensatedPass(compensation, dtd);
                st.residualProduct(parallelism);
                if (!(st.objective() < previous)) {
                    System.arraycopy(keptRows, 0, st.rows, 0, keptRows.length);
                    System.arraycopy(keptValues, 0, st.values, 0, keptValues.length);
                    st.residualProduct(parallelism);
                }
            }
            st.sweep(dtd);
            final long t1 = System.nanoTime();
            codingSeconds += (t1 - t0) / 1e9;
            reseeds += st.mod(parallelism);
            st.residualProduct(parallelism);
            final double objective = st.objective();
            updateSeconds += (System.nanoTime() - t1) / 1e9;
            history.add(objective);
            final ProgressEvent event = new ProgressEvent("iteration", it, iterations, objective,
                    Duration.ofNanos(System.nanoTime() - start));
            options.progress().onProgress(event);
            if (event.isCancelled() || Thread.currentThread().isInterrupted()) {
                throw new CancellationException("compression cancelled");
            }
            if (objective == 0 || (tolerance > 0 && (previous - objective) < tolerance * previous)) break;
            previous = objective;
        }
        final FMatrixRMaj dictionary = new FMatrixRMaj(d2, k);
        for (int i = 0; i < d2 * k; i++) dictionary.data[i] = (float) st.d[i];
        return new DictionaryLearner.Result(dictionary, new ColumnSparseMatrix(k, d1, s, st.rows.clone(), st.values.clone()),
                history, reseeds, codingSeconds, updateSeconds, initSeconds);
    }

    /**
     * U, upper triangular with UᵀU = (G + λI)⁻¹, λ = {@link #DAMPING}·mean(diag G): row j holds how fixing channel j
     * moves the optimal values of the channels after it (the sequential elimination of GPTQ, Frantar et al. 2022).
     */
    static double[] compensationFactor(DMatrixRMaj gram, Parallelism parallelism) {
        final int n = gram.numRows;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += gram.data[i * n + i];
        mean /= n;
        final double lambda = DAMPING * (mean > 0 ? mean : 1);
        final DMatrixRMaj l = io.github.cospadi.internal.Cholesky.upper(gram, lambda, 0, parallelism);
        if (l == null) throw new IllegalStateException("damped Gram not positive definite (lambda=" + lambda + ")");
        // (G + λI)⁻¹ = L⁻¹L⁻ᵀ with LᵀL = G + λI: invert the triangle, then multiply
        final double[] li = new double[n * n]; // L⁻¹, upper
        for (int c = 0; c < n; c++) {
            for (int i = c; i >= 0; i--) {
                double v = i == c ? 1 : 0;
                for (int p = i + 1; p <= c; p++) v -= l.data[i * n + p] * li[p * n + c];
                li[i * n + c] = v / l.data[i * n + i];
            }
        }
        final DMatrixRMaj inverse = new DMatrixRMaj(n, n);
        parallelism.forEachBlock(n, ROW_BLOCK, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = Math.max(i, j); p < n; p++) acc += li[i * n + p] * li[j * n + p];
                    inverse.data[i * n + j] = acc;
                }
            }
        });
        final DMatrixRMaj u = io.github.cospadi.internal.Cholesky.upper(inverse, 0, 0, parallelism);
        if (u == null) throw new IllegalStateException("inverse of the damped Gram not positive definite (lambda=" + lambda + ")");
        return u.data;
    }

    private void initialize(State st, SplittableRandom random) {
        final int d2 = st.d2, d1 = st.d1, k = st.k;
        final Parallelism parallelism = options.parallelism();
        int filled = 0;
        if (options.initialization() == Initialization.SVD) {
            // W·G·Wᵀ (d2 × d2): its eigenvectors are the left singular vectors of W·Lᵀ
            final double[] wg = new double[d2 * d1];
            product(st.w, st.g, wg, d2, d1, d1, parallelism);
            final double[] wt = new double[d1 * d2];
            for (int r = 0; r < d2; r++) for (int p = 0; p < d1; p++) wt[p * d2 + r] = st.w[r * d1 + p];
            final DMatrixRMaj m = new DMatrixRMaj(d2, d2);
            product(wg, wt, m.data, d2, d1, d2, parallelism);
            for (int i = 0; i < d2; i++) for (int j = 0; j < i; j++) m.data[i * d2 + j] = m.data[j * d2 + i] = 0.5 * (m.data[i * d2 + j] + m.data[j * d2 + i]);
            for (double[] v : DictionaryLearner.topEigenvectors(m, k, parallelism)) {
                for (int r = 0; r < d2; r++) st.d[r * k + filled] = v[r];
                filled++;
            }
        }
        // random distinct columns of W (input channels) for the remaining atoms
        final int[] perm = Randoms.permutation(d1, random);
        for (int c = 0; filled < k; c++, filled++) {
            for (int r = 0; r < d2; r++) st.d[r * k + filled] = st.w[r * d1 + perm[c]];
        }
        for (int a = 0; a < k; a++) {
            double norm = 0;
            for (int r = 0; r < d2; r++) norm += st.d[r * k + a] * st.d[r * k + a];
            if (!(norm > 0)) {
                norm = 0;
                for (int r = 0; r < d2; r++) {
                    final double v = Randoms.gaussian(random);
                    st.d[r * k + a] = v;
                    norm += v * v;
                }
            }
            final double inv = 1 / Math.sqrt(norm);
            for (int r = 0; r < d2; r++) st.d[r * k + a] *= inv;
        }
        // codes start at zero (rows 0..s-1 with value 0), so the first sweep codes every channel
        for (int j = 0; j < d1; j++) for (int q = 0; q < st.s; q++) st.rows[j * st.s + q] = q;
    }

    /**
     * c = a·b for row-major a (n × m) and b (m × p) on the double tile kernel ({@link FloatOps#subtractProduct} of −a),
     * parallel over fixed row blocks of a; every element is summed in the same order whatever the threads.
     */
    static void product(double[] a, double[] b, double[] c, int n, int m, int p, Parallelism parallelism) {
        final double[] neg = new double[n * m];
        for (int i = 0; i < neg.length; i++) neg[i] = -a[i];
        Arrays.fill(c, 0, n * p, 0);
        // row blocks of 64: each block streams b (up to d1 × d1 doubles) once, so larger blocks stream it fewer times
        parallelism.forEachBlock(n, PRODUCT_ROWS, (from, to) ->
                FloatOps.get().subtractProduct(neg, from * m, m, b, 0, p, c, from * p, p, to - from, p, m));
    }

    private static final class State {
        final int d2, d1, k, s;
        final double[] w, g;      // W (d2 x d1), G (d1 x d1)
        final double[] d;         // D (d2 x k)
        final int[] rows;         // S: column j has entries j*s .. j*s+s-1
        final float[] values;
        final double[] e, c;      // E = W − D·S and C = E·G (d2 x d1)

        State(FMatrixRMaj weight, double[] g, int k, int s) {
            this.d2 = weight.numRows;
            this.d1 = weight.numCols;
            this.k = k;
            this.s = s;
            this.g = g;
            w = new double[d2 * d1];
            for (int i = 0; i < w.length; i++) w[i] = weight.data[i];
            d = new double[d2 * k];
            rows = new int[d1 * s];
            values = new float[d1 * s];
            e = new double[d2 * d1];
            c = new double[d2 * d1];
        }

        /** E = W − D·S, then C = E·G. */
        void residualProduct(Parallelism parallelism) {
            residual(parallelism);
            product(e, g, c, d2, d1, d1, parallelism);
        }

        /** E = W − D·S. */
        private void residual(Parallelism parallelism) {
            parallelism.forEachBlock(d2, ROW_BLOCK, (from, to) -> {
                for (int r = from; r < to; r++) {
                    final int dr = r * k, er = r * d1;
                    for (int j = 0; j < d1; j++) {
                        double acc = w[er + j];
                        for (int q = j * s; q < (j + 1) * s; q++) acc -= values[q] * d[dr + rows[q]];
                        e[er + j] = acc;
                    }
                }
            });
        }

        /** F = tr(E·G·Eᵀ) = Σ E∘C. */
        double objective() {
            double f = 0;
            for (int i = 0; i < e.length; i++) f += e[i] * c[i];
            return Math.max(f, 0);
        }

        /** Γ = DᵀD (k × k). */
        DMatrixRMaj atomGram() {
            final DMatrixRMaj dtd = new DMatrixRMaj(k, k);
            for (int r = 0; r < d2; r++) {
                final int dr = r * k;
                for (int a = 0; a < k; a++) {
                    final double va = d[dr + a];
                    if (va == 0) continue;
                    for (int b = 0; b < k; b++) dtd.data[a * k + b] += va * d[dr + b];
                }
            }
            return dtd;
        }

        /**
         * Codes every channel once in order, from W: channel j's current target (its column of W plus the corrections
         * of the channels before it) is coded by OMP, and its error e_j, scaled by 1/U_jj, is passed on to the
         * targets of the channels after it along row j of U. Exact sequential elimination for the damped Gram; E and
         * C are stale afterwards.
         */
        void compensatedPass(double[] u, DMatrixRMaj dtd) {
            final FloatOps ops = FloatOps.get();
            final GramOmp omp = new GramOmp(dtd, s);
            final double[] target = w.clone();
            final double[] t = new double[d2], dty = new double[k], err = new double[d2];
            for (int j = 0; j < d1; j++) {
                for (int r = 0; r < d2; r++) t[r] = target[r * d1 + j];
                correlate(t, dty);
                final int off = j * s;
                omp.code(dty, rows, values, off);
                System.arraycopy(t, 0, err, 0, d2);
                for (int q = off; q < off + s; q++) {
                    final double v = values[q];
                    if (v != 0) for (int r = 0; r < d2; r++) err[r] -= v * d[r * k + rows[q]];
                }
                final int uj = j * d1;
                final double inv = 1 / u[uj + j];
                for (int r = 0; r < d2; r++) {
                    final double er = err[r] * inv;
                    if (er != 0) ops.axpy(-er, u, uj + j + 1, target, r * d1 + j + 1, d1 - j - 1);
                }
            }
        }

        /** dty = Dᵀt. */
        private void correlate(double[] t, double[] dty) {
            final FloatOps ops = FloatOps.get();
            Arrays.fill(dty, 0);
            for (int r = 0; r < d2; r++) if (t[r] != 0) ops.axpy(t[r], d, r * k, dty, 0, k);
        }

        /** One Gauss–Seidel coding sweep over the input channels; C stays E·G for the current codes. */
        void sweep(DMatrixRMaj dtd) {
            final FloatOps ops = FloatOps.get();
            final GramOmp omp = new GramOmp(dtd, s);
            final double[] t = new double[d2], dty = new double[k], delta = new double[d2];
            final int[] newRows = new int[s];
            final float[] newValues = new float[s];
            for (int j = 0; j < d1; j++) {
                final double gjj = g[j * d1 + j];
                if (!(gjj > 0)) continue;
                // t_j = C[:, j]/G_jj + D·s_j
                for (int r = 0; r < d2; r++) t[r] = c[r * d1 + j] / gjj;
                final int off = j * s;
                for (int q = off; q < off + s; q++) {
                    final double v = values[q];
                    if (v == 0) continue;
                    for (int r = 0; r < d2; r++) t[r] += v * d[r * k + rows[q]];
                }
                correlate(t, dty);
                omp.code(dty, newRows, newValues, 0);
                // ‖D·x − t‖² − ‖t‖² = xᵀΓx − 2xᵀDᵀt for the new and the old code
                final double fNew = omp.residualChange(dty, newRows, newValues, 0);
                final double fOld = omp.residualChange(dty, rows, values, off);
                if (!(fNew < fOld)) continue;
                Arrays.fill(delta, 0);
                for (int q = 0; q < s; q++) {
                    final double v = newValues[q];
                    if (v != 0) for (int r = 0; r < d2; r++) delta[r] += v * d[r * k + newRows[q]];
                    final double o = values[off + q];
                    if (o != 0) for (int r = 0; r < d2; r++) delta[r] -= o * d[r * k + rows[off + q]];
                }
                System.arraycopy(newRows, 0, rows, off, s);
                System.arraycopy(newValues, 0, values, off, s);
                // E[:, j] −= δ; C −= δ·G[j, :]
                final int gj = j * d1;
                for (int r = 0; r < d2; r++) {
                    final double dr = delta[r];
                    if (dr == 0) continue;
                    e[r * d1 + j] -= dr;
                    ops.axpy(-dr, g, gj, c, r * d1, d1);
                }
            }
        }

        /**
         * MOD with G: D = W·G·Sᵀ·(S·G·Sᵀ)⁻¹ over the used atoms, atoms normalized (their codes rescaled), unused
         * atoms re-seeded from the worst-represented channels. Returns how many were re-seeded. E and C are stale
         * afterwards.
         */
        int mod(Parallelism parallelism) {
            final FloatOps ops = FloatOps.get();
            // T = S·G (k x d1): row a accumulates v·G[j, :] for each entry (a, v) of column j
            final double[] sg = new double[k * d1];
            final boolean[] used = new boolean[k];
            for (int j = 0; j < d1; j++) {
                for (int q = j * s; q < (j + 1) * s; q++) {
                    final double v = values[q];
                    if (v == 0) continue;
                    used[rows[q]] = true;
                    ops.axpy(v, g, j * d1, sg, rows[q] * d1, d1);
                }
            }
            final int[] index = new int[k];
            int u = 0;
            for (int a = 0; a < k; a++) if (used[a]) index[a] = u++;
            final int[] usedAtoms = new int[u];
            for (int a = 0; a < k; a++) if (used[a]) usedAtoms[index[a]] = a;
            // A = S·G·Sᵀ = T·Sᵀ (k x k): row b accumulates v·T[:, j] for each entry (b, v) of column j, from Tᵀ's rows
            final double[] sgt = new double[d1 * k];
            for (int a = 0; a < k; a++) for (int p = 0; p < d1; p++) sgt[p * k + a] = sg[a * d1 + p];
            final double[] full = new double[k * k];
            for (int j = 0; j < d1; j++) {
                for (int q = j * s; q < (j + 1) * s; q++) {
                    final double v = values[q];
                    if (v != 0) ops.axpy(v, sgt, j * k, full, rows[q] * k, k);
                }
            }
            final DMatrixRMaj am = new DMatrixRMaj(u, u);
            for (int i = 0; i < u; i++) for (int l = 0; l < u; l++) am.data[i * u + l] = full[usedAtoms[i] * k + usedAtoms[l]];
            // Bᵀ = S·G·Wᵀ (u x d2) over the used atoms
            final DMatrixRMaj bt = new DMatrixRMaj(u, d2);
            parallelism.forEachBlock(u, ROW_BLOCK, (from, to) -> {
                final FloatOps local = FloatOps.get();
                for (int i = from; i < to; i++) {
                    for (int r = 0; r < d2; r++) bt.data[i * d2 + r] = local.dot(sg, usedAtoms[i] * d1, w, r * d1, d1);
                }
            });
            if (u > 0) {
                for (int i = 0; i < u; i++) for (int j = 0; j < i; j++) {
                    am.data[i * u + j] = am.data[j * u + i] = 0.5 * (am.data[i * u + j] + am.data[j * u + i]);
                }
                final DMatrixRMaj dt = new DMatrixRMaj(u, d2);
                final LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(u);
                if (solver.setA(am.copy())) {
                    solver.solve(bt, dt);
                } else {
                    final LinearSolverDense<DMatrixRMaj> pinv = LinearSolverFactory_DDRM.pseudoInverse(true);
                    pinv.setA(am);
                    pinv.solve(bt, dt);
                }
                final double[] scale = new double[k];
                Arrays.fill(scale, 1);
                for (int i = 0; i < u; i++) {
                    final int a = usedAtoms[i];
                    double norm = 0;
                    for (int r = 0; r < d2; r++) norm += dt.data[i * d2 + r] * dt.data[i * d2 + r];
                    norm = Math.sqrt(norm);
                    if (!(norm > 0) || !Double.isFinite(norm)) {
                        // a zero least-squares atom: drop its codes (the product loses nothing) and re-seed it below
                        scale[a] = 0;
                        used[a] = false;
                        continue;
                    }
                    for (int r = 0; r < d2; r++) d[r * k + a] = dt.data[i * d2 + r] / norm;
                    scale[a] = norm;
                }
                for (int q = 0; q < values.length; q++) values[q] = (float) (values[q] * scale[rows[q]]);
            }
            int reseeds = 0;
            for (int a = 0; a < k; a++) if (!used[a]) reseeds++;
            if (reseeds > 0) reseed(used, parallelism);
            return reseeds;
        }

        /** Unused atoms become the normalized residuals of the channels with the largest G_jj·‖E[:, j]‖². */
        private void reseed(boolean[] used, Parallelism parallelism) {
            residual(parallelism);
            Reseeding.reseed(e, g, d2, d1, used, (a, j, inv) -> {
                for (int r = 0; r < d2; r++) d[r * k + a] = e[r * d1 + j] * inv;
            });
            // the codes of a re-seeded atom are zero (it had none, or they were dropped): the product is unchanged
        }
    }
}
