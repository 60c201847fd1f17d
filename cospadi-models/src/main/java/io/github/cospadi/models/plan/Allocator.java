package io.github.cospadi.models.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Chooses one candidate per matrix so that the total storage fits one global budget and the predicted loss increase
 * Σ_m w_m·e_m² is smallest (docs/design.md §12): the lower convex hull of (storage, cost) per matrix, hull upgrades by
 * decreasing slope while they fit, then a repair pass over all candidates. A pure, deterministic function of its
 * inputs (ties: matrix order, then candidate order). The result is within ΔC_split of the optimum, and
 * {@link BudgetPlan#lowerBound()} is the LP bound.
 */
public final class Allocator {
    private Allocator() {}

    /**
     * The plan for target ratio γ: total storage ≤ ⌊(1 − γ)·Σ d1·d2⌋.
     *
     * @throws IllegalArgumentException for γ outside [0, 1), no matrices, duplicate names, or an infeasible budget
     *                                  (the message names the minimum achievable ratio)
     */
    public static BudgetPlan allocate(List<MatrixOptions> matrices, double ratio) {
        if (!(ratio >= 0 && ratio < 1)) throw new IllegalArgumentException("ratio (gamma) must be in [0, 1), got " + ratio);
        if (matrices == null || matrices.isEmpty()) throw new IllegalArgumentException("matrices must be non-empty");
        long dense = 0;
        for (MatrixOptions m : matrices) dense = Math.addExact(dense, m.denseStorage());
        return allocate(matrices, (long) Math.floor((1 - ratio) * (double) dense), ratio);
    }

    /** The plan for an explicit storage budget in values (for tests and callers that count it themselves). */
    public static BudgetPlan allocate(List<MatrixOptions> matrices, long budget, double targetRatio) {
        if (matrices == null || matrices.isEmpty()) throw new IllegalArgumentException("matrices must be non-empty");
        if (budget < 0) throw new IllegalArgumentException("budget must be >= 0 values, got " + budget);
        final int n = matrices.size();
        final java.util.Set<String> names = new java.util.HashSet<>();
        long dense = 0, minimum = 0;
        final int[][] hulls = new int[n][];
        for (int m = 0; m < n; m++) {
            final MatrixOptions o = matrices.get(m);
            if (!names.add(o.name())) throw new IllegalArgumentException("matrix '" + o.name() + "' appears twice");
            dense += o.denseStorage();
            hulls[m] = hull(o);
            minimum += o.candidates().get(hulls[m][0]).storage();
        }
        if (minimum > budget) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "budget of %d values (ratio %.4f) is infeasible: the cheapest candidates need %d values, the minimum achievable"
                            + " ratio is %.4f", budget, 1 - (double) budget / dense, minimum, 1 - (double) minimum / dense));
        }
        // hull walk: upgrades of all matrices by decreasing slope (each matrix's slopes decrease along its hull)
        final int[] position = new int[n];   // index into hulls[m]
        long used = minimum;
        double cost = 0;
        for (int m = 0; m < n; m++) cost += costOf(matrices, hulls, m, 0);
        final PriorityQueue<int[]> queue = new PriorityQueue<>((a, b) -> {
            final int c = Double.compare(slope(matrices, hulls, b[0], b[1]), slope(matrices, hulls, a[0], a[1]));
            return c != 0 ? c : Integer.compare(a[0], b[0]);
        });
        for (int m = 0; m < n; m++) if (hulls[m].length > 1) queue.add(new int[]{m, 0});
        double lowerBound = Double.NaN, split = 0;
        while (!queue.isEmpty()) {
            final int[] u = queue.poll();
            final int m = u[0], p = u[1];
            final long extra = storageOf(matrices, hulls, m, p + 1) - storageOf(matrices, hulls, m, p);
            final double drop = costOf(matrices, hulls, m, p) - costOf(matrices, hulls, m, p + 1);
            if (used + extra > budget) {
                if (Double.isNaN(lowerBound)) { // the LP relaxation takes this upgrade fractionally
                    lowerBound = cost - drop * (double) (budget - used) / extra;
                    split = drop;
                }
                continue; // this matrix stops here; the others go on
            }
            used += extra;
            cost -= drop;
            position[m] = p + 1;
            if (p + 2 < hulls[m].length) queue.add(new int[]{m, p + 1});
        }
        if (Double.isNaN(lowerBound)) lowerBound = cost; // everything fitted: the greedy is optimal
        final int[] choice = new int[n];
        for (int m = 0; m < n; m++) choice[m] = hulls[m][position[m]];
        // repair: any single move (hull or not) that lowers the cost and fits
        while (true) {
            int bestM = -1, bestC = -1;
            double bestDrop = 0;
            for (int m = 0; m < n; m++) {
                final MatrixOptions o = matrices.get(m);
                final Candidate now = o.candidates().get(choice[m]);
                final double nowCost = o.cost(now);
                for (int c = 0; c < o.candidates().size(); c++) {
                    final Candidate x = o.candidates().get(c);
                    final double drop = nowCost - o.cost(x);
                    if (drop > bestDrop && used - now.storage() + x.storage() <= budget) {
                        bestDrop = drop;
                        bestM = m;
                        bestC = c;
                    }
                }
            }
            if (bestM < 0) break;
            final MatrixOptions o = matrices.get(bestM);
            used += o.candidates().get(bestC).storage() - o.candidates().get(choice[bestM]).storage();
            choice[bestM] = bestC;
        }
        final List<BudgetPlan.Entry> entries = new ArrayList<>(n);
        for (int m = 0; m < n; m++) entries.add(new BudgetPlan.Entry(matrices.get(m), choice[m]));
        return new BudgetPlan(entries, budget, targetRatio, Math.min(lowerBound, BudgetPlan.cost(entries)), split);
    }

    /**
     * Candidate indices on the lower convex hull of (storage, cost), by increasing storage and strictly decreasing
     * cost. Sorted by storage, then cost, then index; a point is dropped when it does not lower the cost, or when it
     * lies on or above the segment between its neighbours.
     */
    static int[] hull(MatrixOptions o) {
        final List<Candidate> c = o.candidates();
        final Integer[] order = new Integer[c.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            final int s = Long.compare(c.get(a).storage(), c.get(b).storage());
            if (s != 0) return s;
            final int k = Double.compare(o.cost(c.get(a)), o.cost(c.get(b)));
            return k != 0 ? k : Integer.compare(a, b);
        });
        final int[] h = new int[order.length];
        int size = 0;
        for (int idx : order) {
            final Candidate x = c.get(idx);
            final double cx = o.cost(x);
            if (size > 0) {
                final Candidate last = c.get(h[size - 1]);
                if (!(cx < o.cost(last))) continue;               // dominated (or equal storage, not cheaper)
                if (x.storage() == last.storage()) continue;     // cannot happen after the sort; kept for clarity
            }
            // pop while the last point is on or above the chord from the one before to x
            while (size >= 2) {
                final Candidate a = c.get(h[size - 2]), b = c.get(h[size - 1]);
                final double ca = o.cost(a), cb = o.cost(b);
                // slope(a→b) ≥ slope(a→x)  ⇔  b not below the chord (slopes are negative)
                final double lhs = (cb - ca) * (double) (x.storage() - a.storage());
                final double rhs = (cx - ca) * (double) (b.storage() - a.storage());
                if (lhs >= rhs) size--;
                else break;
            }
            h[size++] = idx;
        }
        return Arrays.copyOf(h, size);
    }

    private static long storageOf(List<MatrixOptions> ms, int[][] hulls, int m, int p) {
        return ms.get(m).candidates().get(hulls[m][p]).storage();
    }

    private static double costOf(List<MatrixOptions> ms, int[][] hulls, int m, int p) {
        return ms.get(m).cost(ms.get(m).candidates().get(hulls[m][p]));
    }

    /** Cost decrease per value of storage of the upgrade from hull point p to p + 1. */
    private static double slope(List<MatrixOptions> ms, int[][] hulls, int m, int p) {
        return (costOf(ms, hulls, m, p) - costOf(ms, hulls, m, p + 1)) / (double) (storageOf(ms, hulls, m, p + 1) - storageOf(ms, hulls, m, p));
    }
}
