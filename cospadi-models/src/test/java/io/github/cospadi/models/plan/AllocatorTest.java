package io.github.cospadi.models.plan;

import io.github.cospadi.common.Orientation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocatorTest {

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    /** A random matrix with random candidates: shapes 8..64, errors in (0, 1] unrelated to storage (not convex). */
    static MatrixOptions randomMatrix(String name, SplittableRandom r, int maxCandidates) {
        final int out = 8 + r.nextInt(57), in = 8 + r.nextInt(57);
        final List<Candidate> c = new ArrayList<>();
        final int count = 1 + r.nextInt(maxCandidates);
        for (int i = 0; i < count; i++) {
            switch (r.nextInt(3)) {
                case 0: {
                    final int k = 1 + r.nextInt(Math.min(in, out));
                    c.add(Candidate.cospadi(out, in, Orientation.INPUT, k, 1 + r.nextInt(k), r.nextDouble()));
                    break;
                }
                case 1:
                    c.add(Candidate.svdLlm(out, in, 1 + r.nextInt(Math.min(in, out)), r.nextDouble()));
                    break;
                default:
                    c.add(r.nextInt(4) == 0 ? Candidate.dense(out, in) : Candidate.svdLlm(out, in, 1, r.nextDouble() < 0.1 ? 0 : r.nextDouble()));
            }
        }
        return new MatrixOptions(name, out, in, r.nextDouble() < 0.1 ? 0 : r.nextDouble() * 10, c);
    }

    static List<MatrixOptions> randomInstance(SplittableRandom r, int maxMatrices, int maxCandidates) {
        final List<MatrixOptions> ms = new ArrayList<>();
        final int n = 1 + r.nextInt(maxMatrices);
        for (int m = 0; m < n; m++) ms.add(randomMatrix("m" + m, r, maxCandidates));
        return ms;
    }

    static long minimumStorage(List<MatrixOptions> ms) {
        long s = 0;
        for (MatrixOptions m : ms) s += m.candidates().stream().mapToLong(Candidate::storage).min().orElseThrow();
        return s;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void storageNeverExceedsTheBudget(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<MatrixOptions> ms = randomInstance(r, 12, 8);
        final double gamma = r.nextDouble() * 0.95;
        long dense = 0;
        for (MatrixOptions m : ms) dense += m.denseStorage();
        final long budget = (long) Math.floor((1 - gamma) * dense);
        if (minimumStorage(ms) > budget) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Allocator.allocate(ms, gamma), "seed " + seed);
            assertTrue(e.getMessage().contains("minimum achievable ratio"), "seed " + seed + ": " + e.getMessage());
            return;
        }
        final BudgetPlan plan = Allocator.allocate(ms, gamma);
        assertTrue(plan.storage() <= plan.budget(), "seed " + seed + ": storage " + plan.storage() + " > budget " + plan.budget());
        assertTrue(plan.achievedRatio() >= gamma - 1e-12, "seed " + seed + ": achieved " + plan.achievedRatio() + " < " + gamma);
        assertEquals(budget, plan.budget(), "seed " + seed);
        assertTrue(plan.lowerBound() <= plan.predictedLoss() + 1e-12, "seed " + seed);
    }

    /** Against every combination on small instances: LP bound ≤ optimum ≤ greedy ≤ LP bound + ΔC_split. */
    @ParameterizedTest
    @MethodSource("seeds")
    void greedyIsWithinItsBoundOfTheExhaustiveOptimum(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<MatrixOptions> ms = randomInstance(r, 4, 5);
        final long min = minimumStorage(ms);
        long max = 0;
        for (MatrixOptions m : ms) max += m.candidates().stream().mapToLong(Candidate::storage).max().orElseThrow();
        final long budget = min + (long) (r.nextDouble() * (max - min + 1));
        final BudgetPlan plan = Allocator.allocate(ms, budget, 0.5);
        final double optimum = exhaustive(ms, 0, budget, 0);
        final double greedy = plan.predictedLoss(), tol = 1e-9 * (1 + Math.abs(optimum));
        assertTrue(plan.storage() <= budget, "seed " + seed);
        assertTrue(plan.lowerBound() <= optimum + tol, "seed " + seed + ": LP bound " + plan.lowerBound() + " > optimum " + optimum);
        assertTrue(optimum <= greedy + tol, "seed " + seed + ": greedy " + greedy + " below the optimum " + optimum);
        assertTrue(greedy <= plan.lowerBound() + plan.gapBound() + tol, "seed " + seed + ": greedy " + greedy + " > bound "
                + plan.lowerBound() + " + " + plan.gapBound());
    }

    /** How often the greedy is exactly optimal on small instances (a regression guard on the repair pass). */
    @Test
    void greedyIsUsuallyOptimal() {
        int optimal = 0, total = 0;
        for (long seed = 1000; seed < 1300; seed++) {
            final SplittableRandom r = new SplittableRandom(seed);
            final List<MatrixOptions> ms = randomInstance(r, 4, 5);
            final long min = minimumStorage(ms);
            final long budget = min + (long) (r.nextDouble() * min);
            final double greedy = Allocator.allocate(ms, budget, 0.5).predictedLoss();
            final double optimum = exhaustive(ms, 0, budget, 0);
            total++;
            if (greedy <= optimum + 1e-9 * (1 + optimum)) optimal++;
        }
        assertTrue(optimal >= 0.9 * total, "greedy optimal on only " + optimal + " of " + total + " instances");
    }

    private static double exhaustive(List<MatrixOptions> ms, int m, long left, double cost) {
        if (m == ms.size()) return cost;
        double best = Double.POSITIVE_INFINITY;
        final MatrixOptions o = ms.get(m);
        for (Candidate c : o.candidates()) {
            if (c.storage() <= left) best = Math.min(best, exhaustive(ms, m + 1, left - c.storage(), cost + o.cost(c)));
        }
        return best;
    }

    /** Identical matrices with a convex curve and a budget of n times one candidate's storage: every matrix gets it. */
    @ParameterizedTest
    @MethodSource("seeds")
    void identicalMatricesGetAUniformPlan(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final int out = 16 + r.nextInt(100), in = 16 + r.nextInt(100), ranks = Math.min(out, in);
        final List<Candidate> curve = new ArrayList<>();
        // e(r)² = Σ_{i>r} σ_i² with decreasing σ_i²: a convex, decreasing curve in the storage r·(d1+d2)
        final double[] sigma2 = new double[ranks];
        double total = 0;
        for (int i = 0; i < ranks; i++) total += sigma2[i] = Math.pow(0.5 + r.nextDouble(), 2) * Math.exp(-0.1 * i * (1 + r.nextDouble() * 0.01));
        java.util.Arrays.sort(sigma2); // ascending: rank r keeps sigma2[ranks-r..], the tail is sigma2[0..ranks-r-1]
        final double[] tail = new double[ranks + 1];
        for (int i = 0; i < ranks; i++) tail[i + 1] = tail[i] + sigma2[i];
        for (int rank = 1; rank <= ranks; rank++) curve.add(Candidate.svdLlm(out, in, rank, Math.sqrt(tail[ranks - rank] / total)));
        curve.add(Candidate.dense(out, in));
        final int n = 2 + r.nextInt(8);
        final double w = 0.1 + r.nextDouble();
        final List<MatrixOptions> ms = new ArrayList<>();
        for (int m = 0; m < n; m++) ms.add(new MatrixOptions("m" + m, out, in, w, curve));
        final int[] hull = Allocator.hull(ms.get(0)); // a level on the lower convex hull (the others are never optimal for all)
        final int level = hull[r.nextInt(hull.length)];
        final BudgetPlan plan = Allocator.allocate(ms, n * curve.get(level).storage(), 0.5);
        final int first = plan.entries().get(0).choice();
        for (BudgetPlan.Entry e : plan.entries()) {
            assertEquals(first, e.choice(), "seed " + seed + ": " + e.options().name() + " got " + e.chosen().label()
                    + " against " + plan.entries().get(0).chosen().label());
        }
        assertEquals(curve.get(level).storage(), plan.entries().get(0).chosen().storage(), "seed " + seed);
    }

    /** A zero-error candidate that is also the cheapest is chosen, whatever the budget above the minimum. */
    @ParameterizedTest
    @MethodSource("seeds")
    void zeroErrorCheapestCandidateIsChosen(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<MatrixOptions> ms = randomInstance(r, 6, 6);
        final MatrixOptions m0 = ms.get(0);
        final List<Candidate> c = new ArrayList<>(m0.candidates());
        final int cheapest = (int) c.stream().mapToLong(Candidate::storage).min().orElseThrow();
        final int rank = Math.max(1, Math.min(Math.min(m0.inFeatures(), m0.outFeatures()),
                (int) Math.floor(cheapest / (double) (m0.inFeatures() + m0.outFeatures())) ));
        final Candidate zero = Candidate.svdLlm(m0.outFeatures(), m0.inFeatures(), rank, 0);
        c.add(r.nextInt(c.size() + 1), zero);
        ms.set(0, new MatrixOptions(m0.name(), m0.outFeatures(), m0.inFeatures(), 0.5 + r.nextDouble(), c));
        final long min = minimumStorage(ms);
        final BudgetPlan plan = Allocator.allocate(ms, min + (long) (r.nextDouble() * min), 0.5);
        final Candidate got = plan.entries().get(0).chosen();
        assertEquals(0.0, got.error(), "seed " + seed + ": got " + got.label());
        assertTrue(got.storage() <= zero.storage(), "seed " + seed);
    }

    /**
     * Property: CoSpaDi candidates never hold an overcomplete dictionary (k beyond the atoms' dimension: d1 for INPUT,
     * d2 for OUTPUT), while SVD-LLM and dense candidates still cover the low ratios.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void candidatesAreNeverOvercomplete(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final int out = 8 + r.nextInt(120), in = 8 + r.nextInt(120);
        final double[] sigma2 = new double[Math.min(out, in)];
        for (int i = 0; i < sigma2.length; i++) sigma2[i] = r.nextDouble();
        final Orientation o = r.nextBoolean() ? Orientation.INPUT : Orientation.OUTPUT;
        final ErrorCurves curves = ErrorCurves.of(out, in, sigma2, o, (long) (0.7 * out * in), 0.1);
        final double[] ratios = {0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8};
        boolean lowRatioCovered = false;
        for (Candidate c : curves.candidates(ratios, 2)) {
            if (c.kind() == Candidate.Kind.COSPADI) {
                final int dim = c.orientation() == Orientation.OUTPUT ? out : in;
                assertTrue(c.atoms() <= dim, "seed " + seed + ": " + c.label() + " on " + out + "x" + in + " (" + o + ") is overcomplete");
            } else if (c.kind() == Candidate.Kind.SVD_LLM && c.atoms() > 0) {
                lowRatioCovered = true;
            }
        }
        assertTrue(lowRatioCovered, "seed " + seed + ": SVD-LLM candidates remain");
    }

    @Test
    void samePlanForTheSameInputs() {
        for (long seed = 0; seed < 50; seed++) {
            final List<MatrixOptions> a = randomInstance(new SplittableRandom(seed), 10, 8);
            final List<MatrixOptions> b = randomInstance(new SplittableRandom(seed), 10, 8);
            final long budget = minimumStorage(a) * 2;
            assertEquals(Allocator.allocate(a, budget, 0.5).toJson(), Allocator.allocate(b, budget, 0.5).toJson(), "seed " + seed);
        }
    }

    @Test
    void infeasibleBudgetNamesTheMinimumRatio() {
        final List<MatrixOptions> ms = List.of(new MatrixOptions("a", 10, 10, 1, List.of(Candidate.svdLlm(10, 10, 2, 0.5))));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Allocator.allocate(ms, 0.9));
        assertTrue(e.getMessage().contains("minimum achievable ratio is 0.6000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Allocator.allocate(ms, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Allocator.allocate(List.of(ms.get(0), ms.get(0)), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new MatrixOptions("x", 1, 1, Double.NaN, ms.get(0).candidates()));
        assertThrows(IllegalArgumentException.class, () -> Candidate.svdLlm(10, 10, 11, 0.1));
    }

    @Test
    void reportNamesEveryMatrixAndTheTotals() {
        final List<MatrixOptions> ms = List.of(
                new MatrixOptions("a", 10, 20, 2, List.of(Candidate.svdLlm(20, 10, 2, 0.5), Candidate.dense(10, 20))),
                new MatrixOptions("b", 20, 10, 1, List.of(Candidate.cospadi(20, 10, Orientation.OUTPUT, 8, 4, 0.2), Candidate.dense(20, 10))));
        final BudgetPlan plan = Allocator.allocate(ms, 0.3);
        assertTrue(plan.toText().contains("achieved ratio"), plan.toText());
        assertTrue(plan.toJson().startsWith("{\"target_ratio\": 0.3, "), plan.toJson());
        assertTrue(plan.toJson().contains("\"name\": \"b\""), plan.toJson());
        assertEquals(2, plan.choices().size());
    }

    /** toJson then fromJson keeps every choice, storage and total; a damaged storage or method is refused by name. */
    @ParameterizedTest
    @MethodSource("seeds")
    void planJsonRoundTrip(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<MatrixOptions> ms = randomInstance(r, 12, 8);
        final double gamma = r.nextDouble() * 0.6;
        if (minimumStorage(ms) > (long) Math.floor((1 - gamma) * ms.stream().mapToLong(MatrixOptions::denseStorage).sum())) return;
        final BudgetPlan plan = Allocator.allocate(ms, gamma);
        final BudgetPlan back = BudgetPlan.fromJson(plan.toJson(), "seed " + seed);
        assertEquals(plan.toJson(), back.toJson(), "seed " + seed);
        assertEquals(plan.choices().keySet(), back.choices().keySet(), "seed " + seed);
        plan.choices().forEach((name, c) -> {
            final Candidate b = back.choices().get(name);
            assertEquals(c.kind(), b.kind(), "seed " + seed + " " + name);
            assertEquals(c.atoms(), b.atoms(), "seed " + seed + " " + name);
            assertEquals(c.nonzerosPerColumn(), b.nonzerosPerColumn(), "seed " + seed + " " + name);
            assertEquals(c.storage(), b.storage(), "seed " + seed + " " + name);
            if (c.kind() == Candidate.Kind.COSPADI) assertEquals(c.orientation(), b.orientation(), "seed " + seed + " " + name);
        });
        assertEquals(plan.storage(), back.storage(), "seed " + seed);
        assertEquals(plan.budget(), back.budget(), "seed " + seed);
        final String storage = "\"storage\": " + plan.entries().get(0).chosen().storage() + ",";
        final String json = plan.toJson();
        final int at = json.indexOf("\"matrices\"");
        final String damaged = json.substring(0, at) + json.substring(at).replaceFirst(java.util.regex.Pattern.quote(storage), "\"storage\": 1,");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BudgetPlan.fromJson(damaged, "f.json"));
        assertTrue(e.getMessage().startsWith("f.json: matrices[0]") && e.getMessage().contains("storage 1"), "seed " + seed + ": " + e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void planJsonErrorsNameTheFieldAndTheFile() {
        final String ok = "{\"target_ratio\": 0.5, \"achieved_ratio\": 0.5, \"budget\": 100, \"storage\": 100, \"dense_storage\": 200,"
                + " \"predicted_loss\": 0, \"lower_bound\": 0, \"gap_bound\": 0, \"matrices\": [{\"name\": \"a\", \"out_features\": 10,"
                + " \"in_features\": 20, \"method\": \"svd-llm\", \"orientation\": \"input\", \"atoms\": 3, \"nonzeros\": 3,"
                + " \"storage\": 90, \"ratio\": 0.55, \"predicted_error\": 0.1, \"sensitivity\": 2, \"predicted_loss\": 0.02}]}";
        final IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> BudgetPlan.fromJson(ok, "a.json"));
        assertTrue(total.getMessage().contains("store 90 values") && total.getMessage().contains("storage 100"), total.getMessage());
        assertEquals(90, BudgetPlan.fromJson(ok.replace("\"storage\": 100", "\"storage\": 90"), "a.json").storage());
        final IllegalArgumentException method = assertThrows(IllegalArgumentException.class,
                () -> BudgetPlan.fromJson(ok.replace("svd-llm", "qr"), "a.json"));
        assertTrue(method.getMessage().contains("a.json: matrices[0] ('a')") && method.getMessage().contains("'qr'"), method.getMessage());
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> BudgetPlan.fromJson(ok.replace("\"atoms\": 3, ", ""), "a.json"));
        assertTrue(missing.getMessage().contains("'atoms' must be an integer"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BudgetPlan.fromJson(ok.substring(0, 40), "a.json"), "truncated");
    }
}
