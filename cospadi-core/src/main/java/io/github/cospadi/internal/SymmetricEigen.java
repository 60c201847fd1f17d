package io.github.cospadi.internal;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.DMatrixRMaj;

import java.util.Arrays;

/**
 * Eigen-decomposition A = X·Λ·Xᵀ of a dense symmetric matrix in double, for the SVD initialization of the learners
 * and the low-rank baselines (issue 11). Three stages, all on flat row-major arrays:
 * <ol>
 * <li>Householder tridiagonalization A = Q·T·Qᵀ, H_k = I − τ_k v_k v_kᵀ. The rank-2 update of step k and the
 *     matrix–vector product of step k+1 are fused into one pass over the trailing rows (each row is updated and then
 *     dotted with v_{k+1} while it is in L1), so the matrix is streamed once per column instead of twice; parallel over
 *     fixed blocks of rows.</li>
 * <li>Cuppen's divide and conquer on T (as LAPACK's dstedc): T = diag(T₁, T₂) + ρ·v·vᵀ, recursively down to 1 × 1
 *     blocks; each merge deflates small components of z and close pairs of poles (a Givens rotation), solves the
 *     secular equation 1 + ρ Σ z_i²/(d_i − λ) = 0 for every root with the origin at the nearer pole (Li's "middle way"
 *     two-pole model, safeguarded by bisection), recomputes z from the roots (Gu–Eisenstat, so the eigenvectors are
 *     orthogonal to working precision) and forms the new eigenvectors as one product with the old ones on the double
 *     tile kernel.</li>
 * <li>X = Q·Z for the wanted columns only, with the reflectors applied in blocks of {@link #BLOCK} in the compact
 *     WY form I − V·T·Vᵀ (two GEMMs per block).</li>
 * </ol>
 * The matrix is scaled to max|a_ij| = 1 first. Results do not depend on the thread count. EJML's symmetric
 * eigensolver is the oracle in tests; the cost is a few n³ operations, mostly in GEMMs, against EJML's
 * QR-iteration with rotation accumulation (4096²: 75 s with EJML, docs/benchmarks.md §9).
 *
 * <p><b>Signs.</b> Each eigenvector is returned with its entry of largest magnitude positive (the first such entry
 * on exact ties). Within a cluster of equal eigenvalues the basis is any orthonormal basis of the eigenspace: a
 * deterministic function of the input, but not EJML's (EJML's conventions are no contract either).
 */
public final class SymmetricEigen {
    /** Reflectors per block of the back-transformation. */
    static final int BLOCK = 32;
    /** Rows per parallel block of the tridiagonalization pass. */
    private static final int ROWS = 32;
    private static final double EPS = Math.ulp(1.0) / 2;

    private final int n, count;
    private final double[] values;  // all n, decreasing
    private final double[] vectors; // count × n, row c is the eigenvector of values[c]

    private SymmetricEigen(int n, int count, double[] values, double[] vectors) {
        this.n = n;
        this.count = count;
        this.values = values;
        this.vectors = vectors;
    }

    /** All eigenvalues and the eigenvectors of the {@code count} largest ones of the symmetric part of {@code a}. */
    public static SymmetricEigen of(DMatrixRMaj a, int count, Parallelism parallelism) {
        if (a.numRows != a.numCols) throw new IllegalArgumentException("matrix must be square, got " + a.numRows + "x" + a.numCols);
        return of(a.data, a.numRows, count, parallelism);
    }

    /**
     * All eigenvalues and the eigenvectors of the {@code count} largest ones of (A + Aᵀ)/2 for a row-major n × n
     * {@code a} (not modified). Entries must be finite.
     */
    public static SymmetricEigen of(double[] a, int n, int count, Parallelism parallelism) {
        if (n < 1) throw new IllegalArgumentException("matrix size must be positive, got " + n);
        if (count < 0 || count > n) throw new IllegalArgumentException("count must be in [0, " + n + "], got " + count);
        final double[] s = new double[n * n];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                final double v = i == j ? a[i * n + i] : 0.5 * (a[i * n + j] + a[j * n + i]);
                if (!Double.isFinite(v)) throw new IllegalArgumentException("matrix has a non-finite entry " + v + " at (" + i + ", " + j + ")");
                s[i * n + j] = v;
                s[j * n + i] = v;
                scale = Math.max(scale, Math.abs(v));
            }
        }
        final double[] values = new double[n];
        final double[] vectors = new double[count * n];
        if (scale == 0) { // the zero matrix: the unit vectors
            for (int c = 0; c < count; c++) vectors[c * n + c] = 1;
            return new SymmetricEigen(n, count, values, vectors);
        }
        final double inv = 1 / scale;
        for (int i = 0; i < s.length; i++) s[i] *= inv;
        final double[] d = new double[n], e = new double[Math.max(n - 1, 1)], tau = new double[Math.max(n - 1, 1)];
        tridiagonalize(s, n, d, e, tau, parallelism);
        final double[] z = new double[n * n];
        tridiagonalEigen(d, e, z, n, Math.max(count, 1), parallelism);
        // d ascending: the c-th largest is d[n-1-c]
        for (int c = 0; c < n; c++) values[c] = d[n - 1 - c] * scale;
        if (count == 0) return new SymmetricEigen(n, count, values, vectors);
        final double[] x = new double[n * count];
        for (int i = 0; i < n; i++) for (int c = 0; c < count; c++) x[i * count + c] = z[i * n + (n - 1 - c)];
        backTransform(s, tau, n, x, count, parallelism);
        for (int c = 0; c < count; c++) {
            int arg = 0;
            double max = -1;
            for (int i = 0; i < n; i++) {
                final double v = Math.abs(x[i * count + c]);
                if (v > max) {
                    max = v;
                    arg = i;
                }
            }
            final double sign = x[arg * count + c] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++) vectors[c * n + i] = sign * x[i * count + c];
        }
        return new SymmetricEigen(n, count, values, vectors);
    }

    /** n. */
    public int size() {
        return n;
    }

    /** How many eigenvectors were computed (those of the largest eigenvalues). */
    public int count() {
        return count;
    }

    /** The c-th largest eigenvalue (c &lt; n). */
    public double value(int c) {
        return values[c];
    }

    /** All n eigenvalues, largest first (a copy). */
    public double[] values() {
        return values.clone();
    }

    /** The unit eigenvector of the c-th largest eigenvalue (c &lt; count), a copy. */
    public double[] vector(int c) {
        return Arrays.copyOfRange(vectors, c * n, (c + 1) * n);
    }

    /** The eigenvectors as the rows of a count × n row-major array (no copy: do not modify). */
    public double[] vectorsView() {
        return vectors;
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1. tridiagonalization

    /**
     * Reduces the symmetric a (full storage, overwritten) to T (diagonal d, off-diagonal e). Reflector k acts on indices
     * [k+1, n): v_k[k+1] = 1 and v_k[j] is stored in a[k·n + j] for j ≥ k+2; τ_k in tau[k].
     */
    static void tridiagonalize(double[] a, int n, double[] d, double[] e, double[] tau, Parallelism parallelism) {
        d[0] = a[0];
        if (n == 1) return;
        double[] v = new double[n], next = new double[n];
        double[] p = new double[n], pNext = new double[n];
        final double[] w = new double[n];
        reflector(a, n, 0, e, tau, v);
        // p = τ₀·A[1:, 1:]·v₀
        if (tau[0] != 0) {
            final double t0 = tau[0];
            final double[] v0 = v, p0 = p;
            parallelism.forEachBlock(n - 1, ROWS, (from, to) -> {
                final FloatOps ops = FloatOps.get();
                for (int i = 1 + from; i < 1 + to; i++) p0[i] = t0 * ops.dot(a, i * n + 1, v0, 1, n - 1);
            });
        }
        for (int k = 0; k + 1 < n; k++) {
            final int lo = k + 1; // v_k and p live on [lo, n)
            final double tk = tau[k];
            final FloatOps ops = FloatOps.get();
            if (tk != 0) { // w = p − (τ/2)(pᵀv)·v
                final double kk = -0.5 * tk * ops.dot(p, lo, v, lo, n - lo);
                for (int j = lo; j < n; j++) w[j] = p[j] + kk * v[j];
                // row lo first: it holds the next reflector's x
                ops.axpy(-v[lo], w, lo, a, lo * n + lo, n - lo);
                ops.axpy(-w[lo], v, lo, a, lo * n + lo, n - lo);
            }
            d[lo] = a[lo * n + lo];
            if (lo == n - 1) break;
            reflector(a, n, lo, e, tau, next);
            final double tn = tau[lo];
            final double[] vk = v, vn = next, pn = pNext;
            // fused pass: rows i ≥ lo+1 get step k's rank-2 update on [lo+1, n) and then p_next[i] = τ_next·row·v_next
            parallelism.forEachBlock(n - lo - 1, ROWS, (from, to) -> {
                final FloatOps o = FloatOps.get();
                for (int i = lo + 1 + from; i < lo + 1 + to; i++) {
                    final int row = i * n;
                    final double dot = tk != 0 ? o.rank2UpdateDot(a, row + lo + 1, vk[i], w, w[i], vk, vn, lo + 1, n - lo - 1)
                            : o.dot(a, row + lo + 1, vn, lo + 1, n - lo - 1);
                    pn[i] = tn * dot;
                }
            });
            double[] t = v;
            v = next;
            next = t;
            t = p;
            p = pNext;
            pNext = t;
        }
    }

    /**
     * The reflector of row k: x = a[k, k+1..n) becomes β·e₁ under H = I − τ·v·vᵀ, v[k+1] = 1. Writes e[k] = β, tau[k],
     * v (absolute indices, zero elsewhere) and v[k+2..n) into a[k, k+2..n).
     */
    private static void reflector(double[] a, int n, int k, double[] e, double[] tau, double[] v) {
        final int row = k * n;
        final double alpha = a[row + k + 1];
        double xnorm2 = 0;
        for (int j = k + 2; j < n; j++) xnorm2 += a[row + j] * a[row + j];
        Arrays.fill(v, 0);
        v[k + 1] = 1;
        if (xnorm2 == 0) {
            tau[k] = 0;
            e[k] = alpha;
            return;
        }
        final double beta = -Math.copySign(Math.hypot(alpha, Math.sqrt(xnorm2)), alpha);
        tau[k] = (beta - alpha) / beta;
        final double scal = 1 / (alpha - beta);
        for (int j = k + 2; j < n; j++) {
            final double vj = a[row + j] * scal;
            a[row + j] = vj;
            v[j] = vj;
        }
        e[k] = beta;
    }

    // ---------------------------------------------------------------------------------------------------------
    // 3. back-transformation

    /** x ← Q·x for Q = H₀·H₁·…·H_{n−2} (reflectors as stored by {@link #tridiagonalize}), x row-major n × cols. */
    static void backTransform(double[] a, double[] tau, int n, double[] x, int cols, Parallelism parallelism) {
        final int reflectors = n - 1;
        if (reflectors < 1) return;
        final int last = ((reflectors - 1) / BLOCK) * BLOCK;
        for (int j0 = last; j0 >= 0; j0 -= BLOCK) {
            final int nb = Math.min(BLOCK, reflectors - j0);
            final int r0 = j0 + 1, rows = n - r0; // the block acts on rows [r0, n)
            final double[] vt = new double[nb * rows]; // V transposed: row t = v_{j0+t} on [r0, n)
            boolean any = false;
            for (int t = 0; t < nb; t++) {
                final int k = j0 + t;
                if (tau[k] != 0) any = true;
                vt[t * rows + (k + 1 - r0)] = 1;
                for (int j = k + 2; j < n; j++) vt[t * rows + (j - r0)] = a[k * n + j];
            }
            if (!any) continue;
            // T (nb × nb, upper): H_{j0}…H_{j0+nb−1} = I − V·T·Vᵀ (forward, columnwise)
            final double[] tm = new double[nb * nb];
            final double[] y = new double[nb];
            for (int i = 0; i < nb; i++) {
                final double ti = tau[j0 + i];
                tm[i * nb + i] = ti;
                if (ti == 0) continue;
                for (int t = 0; t < i; t++) y[t] = FloatOps.get().dot(vt, t * rows, vt, i * rows, rows);
                for (int t = 0; t < i; t++) {
                    double acc = 0;
                    for (int q = t; q < i; q++) acc += tm[t * nb + q] * y[q];
                    tm[t * nb + i] = -ti * acc;
                }
            }
            // W = Vᵀ·X_sub (nb × cols), then T·W, then X_sub −= V·(T·W)
            final double[] negVt = new double[nb * rows];
            for (int q = 0; q < negVt.length; q++) negVt[q] = -vt[q];
            final double[] wv = new double[nb * cols];
            DoubleProducts.subtractProduct(negVt, 0, rows, x, r0 * cols, cols, wv, 0, cols, nb, cols, rows, parallelism);
            final double[] tw = new double[nb * cols];
            for (int t = 0; t < nb; t++) {
                for (int q = t; q < nb; q++) {
                    final double c = tm[t * nb + q];
                    if (c != 0) for (int j = 0; j < cols; j++) tw[t * cols + j] += c * wv[q * cols + j];
                }
            }
            final double[] vm = new double[rows * nb];
            for (int t = 0; t < nb; t++) for (int q = 0; q < rows; q++) vm[q * nb + t] = vt[t * rows + q];
            DoubleProducts.subtractProduct(vm, 0, nb, tw, 0, cols, x, r0 * cols, cols, rows, cols, nb, parallelism);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // 2. divide and conquer on the tridiagonal

    /**
     * Eigen-decomposition of the symmetric tridiagonal (d, e) of size n: on return d holds the eigenvalues in
     * ascending order and z (n × n row-major, zeroed by the caller) the eigenvectors as columns.
     */
    static void tridiagonalEigen(double[] d, double[] e, double[] z, int n, Parallelism parallelism) {
        tridiagonalEigen(d, e, z, n, n, parallelism);
    }

    /** As above, but only the columns of the {@code wanted} largest eigenvalues are filled (all eigenvalues are). */
    static void tridiagonalEigen(double[] d, double[] e, double[] z, int n, int wanted, Parallelism parallelism) {
        for (int i = 0; i < n; i++) z[i * n + i] = 1;
        solve(d, e, z, n, 0, n, wanted, parallelism);
    }

    private static void solve(double[] d, double[] e, double[] z, int n, int lo, int hi, int wanted, Parallelism parallelism) {
        final int size = hi - lo;
        if (size == 1) return;
        final int mid = lo + size / 2;
        final double b = e[mid - 1], rho = Math.abs(b);
        d[mid - 1] -= rho;
        d[mid] -= rho;
        solve(d, e, z, n, lo, mid, size, parallelism);
        solve(d, e, z, n, mid, hi, size, parallelism);
        merge(d, z, n, lo, mid, hi, rho, b < 0 ? -1 : 1, wanted, parallelism);
    }

    /**
     * Merges the solved blocks [lo, mid) and [mid, hi): their eigenvectors Q₁, Q₂ (the diagonal blocks of z) and
     * eigenvalues (d, each block ascending) with the coupling ρ·v·vᵀ, v = e_{mid−1} + sign·e_{mid}. Only the
     * eigenvectors of the {@code wanted} largest eigenvalues of the merged block are formed.
     */
    private static void merge(double[] d, double[] z, int n, int lo, int mid, int hi, double rho, double sign, int wanted,
                              Parallelism parallelism) {
        final int size = hi - lo, n1 = mid - lo;
        // z-vector Qᵀv, normalized: D + ρ‖z‖²·ẑẑᵀ
        final double[] zv = new double[size];
        double zz = 0;
        for (int j = 0; j < size; j++) {
            zv[j] = j < n1 ? z[(mid - 1) * n + lo + j] : sign * z[mid * n + lo + j];
            zz += zv[j] * zv[j];
        }
        final double zn = Math.sqrt(zz), r = rho * zz;
        // poles in ascending order (two sorted runs)
        final int[] perm = new int[size];
        for (int a = 0, b = n1, t = 0; t < size; t++) {
            perm[t] = b >= size || (a < n1 && d[lo + a] <= d[lo + b]) ? a++ : b++;
        }
        final double[] ds = new double[size], zs = new double[size];
        final double[] qc = new double[size * size]; // column t of the block (sorted order) stored contiguously
        final int[] type = new int[size];            // bit 1: nonzero in the top rows, bit 2: in the bottom rows
        double dmax = 0, zmax = 0;
        for (int t = 0; t < size; t++) {
            final int j = perm[t];
            ds[t] = d[lo + j];
            zs[t] = zn > 0 ? zv[j] / zn : 0;
            type[t] = j < n1 ? 1 : 2;
            final int rFrom = j < n1 ? 0 : n1, rTo = j < n1 ? n1 : size;
            for (int i = rFrom; i < rTo; i++) qc[t * size + i] = z[(lo + i) * n + lo + j];
            dmax = Math.max(dmax, Math.abs(ds[t]));
            zmax = Math.max(zmax, Math.abs(zs[t]));
        }
        final double tol = 8 * EPS * Math.max(dmax, r * zmax);
        // deflation: tiny z components, then close pole pairs (rotated so one z component vanishes)
        final int[] kept = new int[size];
        int nk = 0, pj = -1;
        for (int t = 0; t < size; t++) {
            if (r * Math.abs(zs[t]) <= tol) continue; // deflated: eigenpair (ds[t], column t)
            if (pj < 0) {
                pj = t;
                continue;
            }
            final double s0 = zs[pj], c0 = zs[t], h = Math.hypot(c0, s0);
            final double c = c0 / h, s = -s0 / h;
            if (Math.abs((ds[t] - ds[pj]) * c * s) <= tol) {
                zs[t] = h;
                zs[pj] = 0;
                for (int i = 0; i < size; i++) {
                    final double x = qc[pj * size + i], y = qc[t * size + i];
                    qc[pj * size + i] = c * x + s * y;
                    qc[t * size + i] = c * y - s * x;
                }
                type[pj] = type[t] = type[pj] | type[t];
                final double dp = ds[pj] * c * c + ds[t] * s * s;
                ds[t] = ds[pj] * s * s + ds[t] * c * c;
                ds[pj] = dp;
                pj = t; // the old pj is deflated
            } else {
                kept[nk++] = pj;
                pj = t;
            }
        }
        if (pj >= 0) kept[nk++] = pj;
        final boolean[] isKept = new boolean[size];
        for (int q = 0; q < nk; q++) isKept[kept[q]] = true;

        // the secular equation on the kept poles
        final int k = nk;
        final double[] dk = new double[k], zk = new double[k];
        for (int q = 0; q < k; q++) {
            dk[q] = ds[kept[q]];
            zk[q] = zs[kept[q]];
        }
        final int[] origin = new int[k];
        final double[] shift = new double[k];
        final double[] rz2 = new double[k];
        for (int q = 0; q < k; q++) rz2[q] = r * zk[q] * zk[q];
        parallelism.forEachBlock(k, 64, (from, to) -> {
            final double[] delta = new double[k];
            for (int j = from; j < to; j++) secularRoot(dk, zk, rz2, r, j, delta, origin, shift);
        });
        // Gu–Eisenstat: the z for which the computed roots are exact, then u_j ∝ ẑ_i / (d_i − λ_j)
        final double[] zhat = new double[k];
        parallelism.forEachBlock(k, 64, (from, to) -> {
            for (int i = from; i < to; i++) {
                double w = delta(dk, i, origin[i], shift[i]);
                for (int j = 0; j < k; j++) if (j != i) w *= delta(dk, i, origin[j], shift[j]) / (dk[i] - dk[j]);
                zhat[i] = Math.copySign(Math.sqrt(Math.max(-w, 0)), zk[i]);
            }
        });
        // all eigenvalues of the merged block in ascending order: the roots (ascending) merged with the deflated poles
        final int nd = size - k;
        final int[] defl = new int[nd];
        for (int q = 0, t = 0; q < size; q++) if (!isKept[q]) defl[t++] = q;
        for (int a = 1; a < nd; a++) { // insertion sort: the rotations leave the deflated poles nearly sorted
            final int x = defl[a];
            int b = a - 1;
            while (b >= 0 && ds[defl[b]] > ds[x]) {
                defl[b + 1] = defl[b];
                b--;
            }
            defl[b + 1] = x;
        }
        final int[] source = new int[size]; // ≥ 0: root index; < 0: −1 − deflated sorted column
        for (int c = 0, a = 0, b = 0; c < size; c++) {
            final boolean root = b >= nd || (a < k && dk[origin[a]] + shift[a] <= ds[defl[b]]);
            if (root) {
                d[lo + c] = dk[origin[a]] + shift[a];
                source[c] = a++;
            } else {
                d[lo + c] = ds[defl[b]];
                source[c] = -1 - defl[b++];
            }
        }
        // the roots whose vectors are needed: all, or at the top level only those among the `wanted` largest
        final int firstWanted = size - Math.min(wanted, size);
        final int[] column = new int[k]; // the root's column in the product, or −1
        int nw = 0;
        for (int c = 0; c < size; c++) if (source[c] >= 0) column[source[c]] = c >= firstWanted ? nw++ : -1;
        final int kw = nw;
        final int[] rootOf = new int[kw];
        for (int j = 0; j < k; j++) if (column[j] >= 0) rootOf[column[j]] = j;
        final double[] u = new double[k * kw]; // u[i·kw + c]: component i of the c-th wanted root's vector
        parallelism.forEachBlock(kw, 64, (from, to) -> {
            for (int c = from; c < to; c++) {
                final int j = rootOf[c];
                double norm = 0;
                for (int i = 0; i < k; i++) {
                    final double v = zhat[i] / delta(dk, i, origin[j], shift[j]);
                    u[i * kw + c] = v;
                    norm += v * v;
                }
                final double inv = 1 / Math.sqrt(norm);
                for (int i = 0; i < k; i++) u[i * kw + c] *= inv;
            }
        });
        // new vectors = (kept columns of the block)·u, the top and bottom rows apart (skipping zero parts)
        final double[] newVectors = new double[size * kw]; // row-major size × kw
        productOfKept(qc, size, kept, type, u, k, kw, 0, n1, 1, newVectors, parallelism);
        productOfKept(qc, size, kept, type, u, k, kw, n1, size, 2, newVectors, parallelism);
        for (int c = firstWanted; c < size; c++) {
            final int src = source[c];
            if (src >= 0) for (int i = 0; i < size; i++) z[(lo + i) * n + lo + c] = newVectors[i * kw + column[src]];
            else for (int i = 0; i < size; i++) z[(lo + i) * n + lo + c] = qc[(-1 - src) * size + i];
        }
    }

    /** δ_i = d_i − λ for the root λ = d[origin] + shift, computed from the pole differences. */
    private static double delta(double[] dk, int i, int origin, double shift) {
        return (dk[i] - dk[origin]) - shift;
    }

    /** out[row, :] = Σ over kept columns with {@code bit} of qc[col][row]·u[col, :] (kw columns), for rows [rFrom, rTo). */
    private static void productOfKept(double[] qc, int size, int[] kept, int[] type, double[] u, int k, int kw, int rFrom, int rTo,
                                      int bit, double[] out, Parallelism parallelism) {
        final int rows = rTo - rFrom;
        int depth = 0;
        for (int q = 0; q < k; q++) if ((type[kept[q]] & bit) != 0) depth++;
        if (rows == 0 || depth == 0 || kw == 0) return;
        final double[] a = new double[rows * depth], b = new double[depth * kw];
        for (int q = 0, c = 0; q < k; q++) {
            if ((type[kept[q]] & bit) == 0) continue;
            final int col = kept[q];
            for (int i = 0; i < rows; i++) a[i * depth + c] = -qc[col * size + rFrom + i]; // negated: the kernel subtracts
            System.arraycopy(u, q * kw, b, c * kw, kw);
            c++;
        }
        DoubleProducts.subtractProduct(a, 0, depth, b, 0, kw, out, rFrom * kw, kw, rows, kw, depth, parallelism);
    }

    /**
     * Root j (ascending) of 1 + r·Σ z_i²/(d_i − λ) = 0 for sorted distinct poles d and nonzero z: λ_j ∈ (d_j, d_{j+1}),
     * the last one in (d_{k−1}, d_{k−1} + r‖z‖²]. Stored as origin[j] (the nearer pole) and shift[j] = λ − d[origin].
     */
    private static void secularRoot(double[] d, double[] z, double[] rz2, double r, int j, double[] delta, int[] origin, double[] shift) {
        final int k = d.length;
        int o;
        double lo, hi, tau;
        if (j < k - 1) {
            final double half = 0.5 * (d[j + 1] - d[j]);
            double f = 1;
            for (int i = 0; i < k; i++) f += rz2[i] / ((d[i] - d[j]) - half);
            if (f >= 0) { // the root is in the lower half: measure from d_j
                o = j;
                lo = 0;
                hi = half;
                tau = half;
            } else {
                o = j + 1;
                lo = -half;
                hi = 0;
                tau = -half;
            }
        } else {
            double zz = 0;
            for (int i = 0; i < k; i++) zz += z[i] * z[i];
            o = j;
            lo = 0;
            hi = r * zz;
            tau = 0.5 * hi;
        }
        for (int it = 0; it < 200; it++) {
            double psi = 0, phi = 0, dpsi = 0, dphi = 0, abs = 0;
            for (int i = 0; i < k; i++) {
                final double di = (d[i] - d[o]) - tau;
                delta[i] = di;
                final double inv = 1 / di, term = rz2[i] * inv, slope = term * inv;
                if (i <= j) {
                    psi += term;
                    dpsi += slope;
                } else {
                    phi += term;
                    dphi += slope;
                }
                abs += Math.abs(term);
            }
            final double f = 1 + psi + phi;
            if (f == 0) break;
            if (f < 0) lo = tau;
            else hi = tau;
            if (Math.abs(f) <= 8 * EPS * (1 + abs)) break;
            // two-pole model c + s/(δ_j − η) + S/(δ_{j+1} − η) matching f and f′ ("middle way")
            final double da = delta[j];
            double eta;
            if (j < k - 1) {
                final double db = delta[j + 1];
                final double s = dpsi * da * da, sb = dphi * db * db;
                final double c = f - s / da - sb / db;
                final double bq = c * (da + db) + s + sb, qq = c * da * db + s * db + sb * da;
                eta = Double.NaN;
                if (c == 0) {
                    eta = qq / bq;
                } else {
                    final double sq = Math.sqrt(Math.max(bq * bq - 4 * c * qq, 0));
                    final double e1, e2;
                    if (bq >= 0) {
                        e1 = (bq + sq) / (2 * c);
                        e2 = 2 * qq / (bq + sq);
                    } else {
                        e1 = 2 * qq / (bq - sq);
                        e2 = (bq - sq) / (2 * c);
                    }
                    if (e1 > da && e1 < db) eta = e1;
                    else if (e2 > da && e2 < db) eta = e2;
                }
            } else {
                final double s = dpsi * da * da, c = f - s / da;
                eta = c > 0 ? da + s / c : Double.NaN;
            }
            double next = tau + eta;
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
            if (next == tau || Math.abs(next - tau) <= 2 * EPS * Math.abs(tau) || hi - lo <= 4 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
                tau = next;
                break;
            }
            tau = next;
        }
        origin[j] = o;
        shift[j] = tau;
    }
}
