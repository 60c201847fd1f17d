package io.github.cospadi.dictionary;

import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.common.ProgressListener;
import io.github.cospadi.coding.CodingProblem;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
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
import io.github.cospadi.internal.Randoms;
import io.github.cospadi.internal.SymmetricEigen;
import java.util.concurrent.CancellationException;

/**
 * Alternating minimization of ‖Y − D·S‖_F² over a dictionary D (m × k, unit-norm atoms) and codes S (k × n, exactly
 * s nonzeros per column): sparse coding with a {@link SparseCoder}, then a K-SVD or MOD dictionary update
 * (docs/design.md §5). In cospadi Y is the whitened weight W_L and D is D_L, but nothing here depends on that.
 *
 * <p>The objective after every iteration is non-increasing: coding keeps a column's previous code when it fits
 * better, and each dictionary update is an exact block minimization (K-SVD: the power iteration started at the
 * current atom can only raise the Rayleigh quotient; MOD: the least-squares dictionary).
 */
public final class DictionaryLearner implements Learner {
    /** Columns per block of the parallel loops over an atom's users; fixed so results do not depend on threads. */
    static final int USER_BLOCK = 256;
    /** Below this many multiply-adds per power step, an atom update runs on one thread. */
    static final long PARALLEL_WORK = 1L << 18;
    /** Iterations that always run the sparse coder before {@code codingInterval} applies. */
    public static final int CODING_WARMUP = 5;

    /** The learned dictionary and codes with the learning history. */
    public record Result(FMatrixRMaj dictionary, ColumnSparseMatrix codes, List<Double> objective, int unusedAtomReseeds,
                         double codingSeconds, double updateSeconds, double initSeconds) {}

    private final LearningOptions options;
    private final SparseCoder refresher; // null: no refresh steps

    /** A learner with these options (the coder, the update, the schedule, …; see {@link LearningOptions}). */
    public DictionaryLearner(LearningOptions options) {
        this.options = java.util.Objects.requireNonNull(options, "options");
        this.refresher = options.refreshSteps() == 0 ? null : SparseCoder.refresh(options.refreshSteps());
    }

    public LearningOptions options() {
        return options;
    }

    /** INPUT: the atoms live in the input space, learned on the whitened target. */
    @Override
    public Orientation orientation() {
        return Orientation.INPUT;
    }

    /**
     * Learns D_L on the problem's whitened target W_L (the members stacked side by side, so a group shares the
     * dictionary), maps it back, D = L⁻¹·D_L, and splits the codes by member.
     */
    @Override
    public LearnedFactors learn(LearningProblem problem, int atoms, int nonzerosPerColumn) {
        final FMatrixRMaj targets = problem.whitened();
        checkBudget(targets, atoms, nonzerosPerColumn);
        final Result r = learnTrusted(targets, atoms, nonzerosPerColumn);
        final long start = System.nanoTime();
        final FMatrixRMaj dictionary = problem.unwhiten(r.dictionary());
        final Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("init", r.initSeconds());
        phases.put("coding", r.codingSeconds());
        phases.put("dictionary", r.updateSeconds());
        phases.put("map-back", (System.nanoTime() - start) / 1e9);
        return new LearnedFactors(dictionary, problem.split(r.codes()), options.coderName(atoms, nonzerosPerColumn),
                r.objective(), r.objective().size(), r.unusedAtomReseeds(), phases);
    }

    /**
     * Learns D (m × k) and S (k × n, s per column) for the targets Y (m × n).
     *
     * <p>When m > n the problem is solved in the n-dimensional column space of Y: with the thin QR Y = Q·B, every
     * atom the algorithm can produce lies in span(Y) = span(Q), so ‖Y − Q·D_B·S‖ = ‖B − D_B·S‖ and learning on B
     * (n × n) then returning D = Q·D_B is exact and up to m/n times cheaper (docs/design.md §5).
     */
    public Result learn(FMatrixRMaj targets, int atoms, int s) {
        Checks.nonEmpty("targets", targets);
        Checks.finite("targets", targets);
        checkBudget(targets, atoms, s);
        return learnTrusted(targets, atoms, s);
    }

    private static void checkBudget(FMatrixRMaj targets, int atoms, int s) {
        if (atoms < 1 || atoms > targets.numCols) {
            throw new IllegalArgumentException("atoms must be in [1, columns=" + targets.numCols + "], got " + atoms);
        }
        if (s < 1 || s > atoms) throw new IllegalArgumentException("s must be in [1, atoms=" + atoms + "], got " + s);
    }

    /** {@link #learn(FMatrixRMaj, int, int)} on checked targets. */
    private Result learnTrusted(FMatrixRMaj targets, int atoms, int s) {
        final Parallelism parallelism = options.parallelism();
        if (targets.numRows > targets.numCols) {
            final long start = System.nanoTime();
            final ColumnSpace space = ColumnSpace.of(targets, parallelism);
            final double reduceSeconds = (System.nanoTime() - start) / 1e9;
            final Result reduced = learnDirect(space.coordinates(), atoms, s);
            final long t = System.nanoTime();
            final FMatrixRMaj dictionary = space.lift(reduced.dictionary(), parallelism);
            final double liftSeconds = (System.nanoTime() - t) / 1e9;
            return new Result(dictionary, reduced.codes(), reduced.objective(), reduced.unusedAtomReseeds(),
                    reduced.codingSeconds(), reduced.updateSeconds(), reduced.initSeconds() + reduceSeconds + liftSeconds);
        }
        return learnDirect(targets, atoms, s);
    }

    /** The unreduced algorithm (the oracle for the column-space reduction in tests). */
    Result learnDirect(FMatrixRMaj targets, int atoms, int s) {
        final long start = System.nanoTime();
        final Parallelism parallelism = options.parallelism();
        final SparseCoder coder = options.coder();
        final int iterations = options.iterations(), codingInterval = options.codingInterval(atoms, s);
        final State st = new State(targets, atoms, s);
        final SplittableRandom random = new SplittableRandom(options.seed());
        initialize(st, random);
        final double initSeconds = (System.nanoTime() - start) / 1e9;
        final List<Double> history = new ArrayList<>();
        double codingSeconds = 0, updateSeconds = 0;
        ColumnSparseMatrix codes = null;
        CodingProblem problem = null; // the targets are checked and summed once, then each iteration's dictionary
        int reseeds = 0;
        double previous = Double.POSITIVE_INFINITY;
        final Extrapolation extrapolation = options.extrapolation() ? new Extrapolation() : null;
        for (int it = 1; it <= iterations; it++) {
            checkCancelled(null);
            long t0 = System.nanoTime();
            // the full coder on its schedule (and first, unless there are refresh steps); else the refresher, which from a
            // cold start (no codes yet) begins with H_s(α⁰ / diag Γ); else nothing (the update refits on fixed supports)
            final SparseCoder step = (codes == null && refresher == null) || codesThisIteration(it, codingInterval) ? coder : refresher;
            if (step != null) {
                problem = problem == null ? CodingProblem.of(st.dictionary(), targets, s, codes, parallelism)
                        : problem.withDictionary(st.dictionary(), codes);
                codes = step.encode(problem);
                st.loadCodes(codes);
                st.recomputeResidual(parallelism);
            }
            final long t1 = System.nanoTime();
            codingSeconds += (t1 - t0) / 1e9;
            reseeds += options.update() == DictionaryUpdate.KSVD ? ksvdSweep(st, random) : modUpdate(st, random);
            double objective = st.objective();
            if (extrapolation != null) objective = extrapolation.step(st, objective, parallelism);
            codes = st.codes();
            updateSeconds += (System.nanoTime() - t1) / 1e9;
            history.add(objective);
            final ProgressEvent event = new ProgressEvent("iteration", it, iterations, objective,
                    Duration.ofNanos(System.nanoTime() - start));
            options.progress().onProgress(event);
            checkCancelled(event);
            final double tolerance = options.tolerance();
            if (objective == 0 || (tolerance > 0 && (previous - objective) < tolerance * previous)) break;
            previous = objective;
        }
        return new Result(st.dictionary(), codes, history, reseeds, codingSeconds, updateSeconds, initSeconds);
    }

    /**
     * The extrapolation of the fast schedule (docs/design.md §5, item 4). After iteration t, with X_t = (D, S) and the
     * previous iterate X_{t−1}, the point X_t + β·(X_t − X_{t−1}) — atoms renormalized with their codes rescaled, so the
     * product is unchanged by the normalization; values on X_t's supports, an entry new to a support extrapolated from
     * 0 — replaces X_t when its objective, from the recomputed residual, is lower; β follows
     * {@link ExtrapolationStep#nextBeta}. The objective stays non-increasing.
     */
    static final class Extrapolation {
        private double beta = ExtrapolationStep.START;
        private float[] previousAtoms, previousValues;
        private int[] previousRows;

        /** Tries the extrapolated point of the state (objective f) and keeps it if better; returns the objective. */
        double step(State st, double f, Parallelism parallelism) {
            double result = f;
            if (previousAtoms != null) result = attempt(st, f, parallelism);
            previousAtoms = st.dt.clone();
            previousRows = st.rows.clone();
            previousValues = st.values.clone();
            return result;
        }

        private double attempt(State st, double f, Parallelism parallelism) {
            final int m = st.m, n = st.n, k = st.k, s = st.s;
            final float[] atoms = st.dt.clone(), values = st.values.clone(), residual = st.et.clone();
            final double[] scale = new double[k];
            if (!ExtrapolationStep.extrapolateAtoms(atoms, previousAtoms, st.dt, beta, scale, k, m, m, 1)) {
                return restore(st, atoms, values, residual, f);
            }
            ExtrapolationStep.extrapolateValues(st.rows, values, st.values, previousRows, previousValues, beta, scale, k, n, s);
            st.recomputeResidual(parallelism);
            final double extrapolated = st.objective();
            if (extrapolated < f) {
                beta = ExtrapolationStep.nextBeta(beta, true);
                return extrapolated;
            }
            return restore(st, atoms, values, residual, f);
        }

        private double restore(State st, float[] atoms, float[] values, float[] residual, double f) {
            beta = ExtrapolationStep.nextBeta(beta, false);
            System.arraycopy(atoms, 0, st.dt, 0, atoms.length);
            System.arraycopy(values, 0, st.values, 0, values.length);
            System.arraycopy(residual, 0, st.et, 0, residual.length);
            return f;
        }
    }

    /** Iterations 1..codingWarmup always code; later ones every {@code codingInterval}-th. */
    private boolean codesThisIteration(int it, int codingInterval) {
        return it <= options.codingWarmup() || (it > 1 && (it - 1) % codingInterval == 0);
    }

    private static void checkCancelled(ProgressEvent event) {
        if ((event != null && event.isCancelled()) || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("compression cancelled");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // initialization

    private void initialize(State st, SplittableRandom random) {
        final int m = st.m, n = st.n, k = st.k;
        int filled = 0;
        if (options.initialization() == Initialization.SVD) {
            // top-k eigenvectors of Y·Yᵀ (m × m) = left singular vectors of Y; Y·Yᵀ = gram(Yᵀ)
            final DMatrixRMaj yyt = io.github.cospadi.internal.DenseOps.gram(FMatrixRMaj.wrap(n, m, st.yt), options.parallelism());
            for (double[] v : topEigenvectors(yyt, k, options.parallelism())) {
                for (int r = 0; r < m; r++) st.dt[filled * m + r] = (float) v[r];
                filled++;
            }
        }
        // random distinct columns of Y for the remaining atoms
        final int[] perm = Randoms.permutation(n, random);
        for (int c = 0; filled < k; c++, filled++) {
            final int j = perm[c];
            for (int r = 0; r < m; r++) st.dt[filled * m + r] = st.yt[j * m + r];
        }
        for (int i = 0; i < k; i++) normalizeOrRandomize(st.dt, i * m, m, random);
    }

    /**
     * Up to {@code max} eigenvectors of the symmetric {@code m}, by decreasing eigenvalue, stopping at the first
     * eigenvalue ≤ 1e-12 × the largest: the SVD initialization of both learners. {@link SymmetricEigen} (divide and
     * conquer; each vector's largest entry is positive); EJML's eigensolver is its test oracle.
     */
    static List<double[]> topEigenvectors(DMatrixRMaj m, int max, Parallelism parallelism) {
        final List<double[]> out = new ArrayList<>();
        final int count = Math.min(max, m.numRows);
        if (count < 1) return out;
        final SymmetricEigen eig = SymmetricEigen.of(m, count, parallelism);
        final double top = Math.max(eig.value(0), 0);
        for (int c = 0; c < count; c++) {
            if (eig.value(c) <= 1e-12 * top) break;
            out.add(eig.vector(c));
        }
        return out;
    }

    /** Normalizes the atom at off; a zero atom becomes a random unit vector. */
    private static void normalizeOrRandomize(float[] dt, int off, int m, SplittableRandom random) {
        double norm = 0;
        for (int r = 0; r < m; r++) norm += (double) dt[off + r] * dt[off + r];
        if (!(norm > 0)) {
            norm = 0;
            for (int r = 0; r < m; r++) {
                final double g = Randoms.gaussian(random);
                dt[off + r] = (float) g;
                norm += g * g;
            }
        }
        final double inv = 1 / Math.sqrt(norm);
        for (int r = 0; r < m; r++) dt[off + r] = (float) (dt[off + r] * inv);
    }


    // ---------------------------------------------------------------------------------------------------------
    // K-SVD

    /** One sweep over all atoms; returns the number of re-seeded unused atoms. */
    private int ksvdSweep(State st, SplittableRandom random) {
        final int m = st.m, k = st.k;
        st.buildUsers();
        final boolean[] seedUsed = new boolean[st.n];
        int reseeds = 0;
        for (int i = 0; i < k; i++) {
            if (Thread.currentThread().isInterrupted()) throw new CancellationException("compression cancelled");
            final int from = st.userStart[i], to = st.userStart[i + 1];
            if (from == to) {
                reseed(st, i, seedUsed, random);
                reseeds++;
                continue;
            }
            updateAtom(st, i, from, to);
        }
        return reseeds;
    }

    /** Replaces unused atom i by the normalized residual of the worst-represented column not used yet this sweep. */
    private static void reseed(State st, int i, boolean[] seedUsed, SplittableRandom random) {
        final int m = st.m;
        int worst = -1;
        double worstNorm = 0;
        for (int j = 0; j < st.n; j++) {
            if (seedUsed[j]) continue;
            final double e = FloatOps.get().dot(st.et, j * m, st.et, j * m, m);
            if (e > worstNorm) {
                worstNorm = e;
                worst = j;
            }
        }
        if (worst >= 0) {
            seedUsed[worst] = true;
            System.arraycopy(st.et, worst * m, st.dt, i * m, m);
        } else {
            Arrays.fill(st.dt, i * m, (i + 1) * m, 0f);
        }
        normalizeOrRandomize(st.dt, i * m, m, random);
    }

    /**
     * Best rank-1 refit of atom i on its users (docs/design.md §5.3). With r_q = e_{j_q} + c_q·d the residual columns
     * without atom i: v = Rᵀu, u ← Rv/‖Rv‖ repeated from u = d; then d ← u, c ← Rᵀu, e_{j_q} ← r_q − c_q·u.
     */
    private void updateAtom(State st, int i, int from, int to) {
        final int m = st.m;
        final int users = to - from;
        final float[] d = st.atom;   // old atom (copy)
        System.arraycopy(st.dt, i * m, d, 0, m);
        final float[] u = st.u;
        System.arraycopy(d, 0, u, 0, m);
        final float[] c = st.coef;   // old coefficients of atom i on its users
        for (int q = 0; q < users; q++) c[q] = st.values[st.userSlot[from + q]];
        final float[] v = st.v;
        final boolean parallel = (long) users * m >= PARALLEL_WORK;
        final Parallelism par = parallel ? options.parallelism() : Parallelism.sequential();
        final int powerIterations = options.powerIterations();
        final double powerTolerance = options.powerTolerance();
        final int blocks = (users + USER_BLOCK - 1) / USER_BLOCK;
        st.ensurePartials(blocks);
        boolean degenerate = false;
        for (int p = 0; p < powerIterations && !degenerate; p++) {
            // one pass over the users' residual rows (each row is read once while it is in cache):
            // v_q = r_qᵀu = e_qᵀu + c_q·(dᵀu) and x = Σ_q v_q r_q = Σ_q v_q e_q + (Σ_q v_q c_q)·d,
            // accumulated per fixed block and then in block order
            final float du = FloatOps.get().dot(d, 0, u, 0, m);
            par.forEachBlock(users, USER_BLOCK, (a, b) -> {
                final FloatOps ops = FloatOps.get();
                final float[] part = st.partials[a / USER_BLOCK];
                Arrays.fill(part, 0f);
                double vc = 0;
                for (int q = a; q < b; q++) {
                    final int off = st.userCol[from + q] * m;
                    final float vq = ops.dot(st.et, off, u, 0, m) + c[q] * du;
                    v[q] = vq;
                    ops.axpy(vq, st.et, off, part, 0, m);
                    vc += (double) vq * c[q];
                }
                st.partialVc[a / USER_BLOCK] = vc;
            });
            final double[] x = st.x;
            Arrays.fill(x, 0);
            double vc = 0;
            for (int b = 0; b < blocks; b++) {
                final float[] part = st.partials[b];
                for (int r = 0; r < m; r++) x[r] += part[r];
                vc += st.partialVc[b];
            }
            double norm = 0;
            for (int r = 0; r < m; r++) {
                x[r] += vc * d[r];
                norm += x[r] * x[r];
            }
            if (!(norm > 0)) {
                degenerate = true; // R = 0 on the users: keep the atom, coefficients become 0 below
                break;
            }
            final double inv = 1 / Math.sqrt(norm);
            double cos = 0;
            for (int r = 0; r < m; r++) {
                final float next = (float) (x[r] * inv);
                cos += (double) next * u[r];
                u[r] = next;
            }
            if (1 - cos < powerTolerance) break; // converged: further steps cannot move the atom measurably
        }
        if (degenerate) System.arraycopy(d, 0, u, 0, m);
        // new coefficients c'_q = r_qᵀu = e_qᵀu + c_q·(dᵀu) and residual e_q ← e_q + c_q d − c'_q u, in one pass over
        // each user's column while it is in cache (the coefficient only reads e_q before its own update)
        final float duNew = FloatOps.get().dot(d, 0, u, 0, m);
        par.forEachBlock(users, USER_BLOCK, (a, b) -> {
            final FloatOps ops = FloatOps.get();
            for (int q = a; q < b; q++) {
                final int off = st.userCol[from + q] * m;
                final float vq = ops.dot(st.et, off, u, 0, m) + c[q] * duNew;
                ops.axpy(c[q], d, 0, st.et, off, m);
                ops.axpy(-vq, u, 0, st.et, off, m);
                st.values[st.userSlot[from + q]] = vq;
            }
        });
        System.arraycopy(u, 0, st.dt, i * m, m);
    }

    // ---------------------------------------------------------------------------------------------------------
    // MOD

    private int modUpdate(State st, SplittableRandom random) {
        final int m = st.m, n = st.n, k = st.k, s = st.s;
        final FloatOps ops = FloatOps.get();
        // B = Y Sᵀ stored transposed (k × m); A = S Sᵀ (k × k)
        final double[] bt = new double[k * m];
        final DMatrixRMaj a = new DMatrixRMaj(k, k);
        final double[] yj = new double[m];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < m; r++) yj[r] = st.yt[j * m + r];
            for (int t = 0; t < s; t++) {
                final int ra = st.rows[j * s + t];
                final double va = st.values[j * s + t];
                ops.axpy(va, yj, 0, bt, ra * m, m);
                for (int t2 = 0; t2 < s; t2++) a.data[ra * k + st.rows[j * s + t2]] += va * st.values[j * s + t2];
            }
        }
        double trace = 0;
        for (int i = 0; i < k; i++) trace += a.data[i * k + i];
        final double ridge = 1e-12 * Math.max(trace / k, Double.MIN_NORMAL);
        final boolean[] unused = new boolean[k];
        for (int i = 0; i < k; i++) {
            if (a.data[i * k + i] == 0) unused[i] = true;
            a.data[i * k + i] += ridge;
        }
        final LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(k);
        final DMatrixRMaj b = DMatrixRMaj.wrap(k, m, bt);
        final DMatrixRMaj dtNew = new DMatrixRMaj(k, m);
        if (!solver.setA(a)) {
            final LinearSolverDense<DMatrixRMaj> pinv = LinearSolverFactory_DDRM.pseudoInverse(true);
            pinv.setA(a);
            pinv.solve(b, dtNew);
        } else {
            solver.solve(b, dtNew);
        }
        // normalize atoms, rescale their codes so D·S is unchanged
        final double[] norms = new double[k];
        for (int i = 0; i < k; i++) {
            double nrm = 0;
            for (int r = 0; r < m; r++) nrm += dtNew.data[i * m + r] * dtNew.data[i * m + r];
            norms[i] = Math.sqrt(nrm);
            if (!unused[i] && norms[i] > 0) {
                for (int r = 0; r < m; r++) st.dt[i * m + r] = (float) (dtNew.data[i * m + r] / norms[i]);
            }
        }
        for (int t = 0; t < n * s; t++) {
            final int i = st.rows[t];
            if (!unused[i] && norms[i] > 0) st.values[t] = (float) (st.values[t] * norms[i]);
        }
        st.recomputeResidual(options.parallelism());
        final boolean[] seedUsed = new boolean[n];
        int reseeds = 0;
        for (int i = 0; i < k; i++) {
            if (unused[i] || !(norms[i] > 0)) {
                // codes of atom i are all zero: re-seed without changing the objective
                reseed(st, i, seedUsed, random);
                reseeds++;
            }
        }
        return reseeds;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Working arrays of one learning run. */
    private static final class State {
        final int m, n, k, s;
        final FMatrixRMaj y;  // (m x n) targets
        final float[] yt;     // (n x m) targets, column j contiguous
        final float[] dt;     // (k x m) atoms, atom i contiguous
        final float[] et;     // (n x m) residual columns
        int[] rows;           // (n * s) code rows, column-major slots
        float[] values;       // (n * s)
        final int[] userStart; // (k + 1) CSR-like index of the users of each atom
        final int[] userCol;   // (n * s)
        final int[] userSlot;  // (n * s)
        final float[] atom, u;
        final float[] coef, v;
        final double[] x;
        float[][] partials = new float[0][];
        double[] partialVc = new double[0];

        State(FMatrixRMaj y, int k, int s) {
            this.y = y;
            this.m = y.numRows;
            this.n = y.numCols;
            this.k = k;
            this.s = s;
            yt = new float[n * m];
            for (int r = 0; r < m; r++) for (int j = 0; j < n; j++) yt[j * m + r] = y.data[r * n + j];
            dt = new float[k * m];
            et = new float[n * m];
            userStart = new int[k + 1];
            userCol = new int[n * s];
            userSlot = new int[n * s];
            atom = new float[m];
            u = new float[m];
            coef = new float[n];
            v = new float[n];
            x = new double[m];
        }

        void ensurePartials(int blocks) {
            if (partials.length < blocks) {
                partials = new float[blocks][m];
                partialVc = new double[blocks];
            }
        }

        /** D (m × k) as an EJML matrix. */
        FMatrixRMaj dictionary() {
            final FMatrixRMaj d = new FMatrixRMaj(m, k);
            for (int i = 0; i < k; i++) for (int r = 0; r < m; r++) d.data[r * k + i] = dt[i * m + r];
            return d;
        }

        void loadCodes(ColumnSparseMatrix codes) {
            rows = codes.rowIndices().clone();
            values = codes.values().clone();
        }

        ColumnSparseMatrix codes() {
            return new ColumnSparseMatrix(k, n, s, rows.clone(), values.clone());
        }

        /** E = Y − D·S, column by column. */
        void recomputeResidual(Parallelism parallelism) {
            parallelism.forEachBlock(n, 64, (from, to) -> {
                final FloatOps ops = FloatOps.get();
                for (int j = from; j < to; j++) {
                    System.arraycopy(yt, j * m, et, j * m, m);
                    for (int t = j * s; t < (j + 1) * s; t++) {
                        final float val = values[t];
                        if (val != 0f) ops.axpy(-val, dt, rows[t] * m, et, j * m, m);
                    }
                }
            });
        }

        double objective() {
            double sum = 0;
            for (float e : et) sum += (double) e * e;
            return sum;
        }

        /** Groups the code slots by atom: users of atom i are userCol/userSlot[userStart[i] .. userStart[i+1]). */
        void buildUsers() {
            Arrays.fill(userStart, 0);
            for (int t = 0; t < n * s; t++) userStart[rows[t] + 1]++;
            for (int i = 0; i < k; i++) userStart[i + 1] += userStart[i];
            final int[] fill = Arrays.copyOf(userStart, k);
            for (int j = 0; j < n; j++) {
                for (int t = j * s; t < (j + 1) * s; t++) {
                    final int p = fill[rows[t]]++;
                    userCol[p] = j;
                    userSlot[p] = t;
                }
            }
        }
    }
}
