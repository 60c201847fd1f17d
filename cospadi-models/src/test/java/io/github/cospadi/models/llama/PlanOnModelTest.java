package io.github.cospadi.models.llama;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.plan.BudgetPlan;
import io.github.cospadi.models.plan.Candidate;
import io.github.cospadi.models.plan.ErrorCurves;
import io.github.cospadi.models.plan.Planner;
import io.github.cospadi.models.plan.Sensitivity;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The curves, sensitivities and plan of docs/design.md §12 on random tiny Llamas. */
class PlanOnModelTest {

    private static List<int[]> windows(long seed, int count, int length) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<int[]> w = new ArrayList<>();
        for (int i = 0; i < count; i++) w.add(TinyLlamas.tokens(length, 256, r));
        return w;
    }

    private static Map<String, CalibrationStats> grams(LlamaModel model, List<int[]> windows) {
        return Evaluation.captureGrams(model, windows.toArray(new int[0][]));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void logitsFromACachedResidualEqualTheFullPass(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final int[] tokens = TinyLlamas.tokens(9, 256, new SplittableRandom(seed));
        final FMatrixRMaj full = m.logits(tokens, null);
        final List<FMatrixRMaj> stream = m.residualStream(tokens);
        assertEquals(m.config().layers(), stream.size());
        for (int l = 0; l < stream.size(); l++) {
            assertArrayEquals(full.data, m.logitsFrom(l, stream.get(l)).data, "seed " + seed + ", layer " + l);
            assertArrayEquals(full.data, m.logitsFrom(l, stream.get(l), Parallelism.threads(3)).data, "seed " + seed + ", layer " + l + ", 3 threads");
        }
    }

    /** With o_proj of layer 0 zero, q/k/v of layer 0 cannot change the output: their sensitivity is exactly zero. */
    @ParameterizedTest
    @ValueSource(longs = {4, 5})
    void sensitivityOfAnUnusedProjectionIsZero(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(false), seed, null, Parallelism.sequential());
        final String o = silenceLayerZeroAttention(m);
        final List<int[]> w = windows(seed, 4, 12);
        final Map<String, Sensitivity.Result> s = Sensitivity.measure(m, grams(m, w), w, 0.5, 1, null);
        for (String p : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")) {
            final Sensitivity.Result r = s.get(LlamaModel.layer(0, p));
            assertTrue(r.error() > 0, "seed " + seed + " " + p + ": the perturbation must be real, error " + r.error());
            assertEquals(0.0, r.lossDelta(), "seed " + seed + " " + p);
            assertEquals(0.0, r.weight(), "seed " + seed + " " + p);
        }
        assertEquals(0.0, s.get(o).weight(), "seed " + seed + ": the zero matrix itself");
        // the used projections of the other layer do move the loss
        final Sensitivity.Result down = s.get(LlamaModel.layer(1, "mlp.down_proj"));
        assertTrue(down.lossDelta() != 0, "seed " + seed + ": " + down);
    }

    /** With at least as many bands as layers, the banded measurement is the per-projection one exactly. */
    @ParameterizedTest
    @ValueSource(longs = {10, 11})
    void bandsOfOneLayerArePerProjection(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final List<int[]> w = windows(seed, 3, 10);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Map<String, Sensitivity.Result> per = Sensitivity.measure(m, g, w, 0.4, 2, null);
        final Map<String, Sensitivity.Result> banded = Sensitivity.measure(m, g, w, name -> null, 0.4, m.config().layers(), Sensitivity.Measure.LOSS, 1, null);
        assertEquals(per, banded, "seed " + seed);
    }

    /**
     * One band: every type's projections of all layers are perturbed together; the shared ΔL equals the loss increase
     * of the model with all of them replaced, computed by full forward passes, and w = ΔL / Σ e².
     */
    @ParameterizedTest
    @ValueSource(longs = {12, 13})
    void oneBandPerturbsATypeInEveryLayerTogether(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        assertTrue(m.config().layers() >= 2, "the test needs two layers");
        final List<int[]> w = windows(seed, 3, 10);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Map<String, Sensitivity.Result> s = Sensitivity.measure(m, g, w, name -> null, 0.4, 1, Sensitivity.Measure.LOSS, 2, null);
        for (String type : LlamaModel.PROJECTIONS) {
            final LlamaModel perturbed = m.copy();
            final double[] errors = perturbEveryLayer(perturbed, m, g, type, 0.4);
            double sumSquares = 0;
            for (int l = 0; l < errors.length; l++) {
                sumSquares += errors[l] * errors[l];
                assertEquals(errors[l], s.get(LlamaModel.layer(l, type)).error(), 0.0, "seed " + seed + " " + type + " layer " + l);
            }
            final double delta = meanNats(perturbed, w) - meanNats(m, w);
            for (int l = 0; l < m.config().layers(); l++) {
                final Sensitivity.Result r = s.get(LlamaModel.layer(l, type));
                assertEquals(delta, r.lossDelta(), 1e-9 * (1 + Math.abs(delta)), "seed " + seed + " " + type + " layer " + l);
                assertEquals(Math.max(delta, 0) / sumSquares, r.weight(), 1e-9 * (1 + r.weight()), "seed " + seed + " " + type);
            }
        }
    }

    /**
     * The KL measure: ΔL of a band is the mean over predicted positions of KL(p_dense ‖ p_perturbed), by the test's own
     * softmax over full forward passes; never negative; and zero for a projection whose output is unused.
     */
    @ParameterizedTest
    @ValueSource(longs = {16, 17})
    void klSensitivityIsTheMeanDivergenceOfTheNextTokenDistributions(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final List<int[]> w = windows(seed, 3, 10);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Map<String, Sensitivity.Result> s = Sensitivity.measure(m, g, w, name -> null, 0.4, 1, Sensitivity.Measure.KL, 2, null);
        for (String type : LlamaModel.PROJECTIONS) {
            final LlamaModel perturbed = m.copy();
            double sumSquares = 0;
            for (double e : perturbEveryLayer(perturbed, m, g, type, 0.4)) sumSquares += e * e;
            final double kl = meanDivergence(m, perturbed, w);
            final Sensitivity.Result r = s.get(LlamaModel.layer(0, type));
            assertTrue(r.lossDelta() >= 0 && !r.negative(), "seed " + seed + " " + type + ": " + r);
            // the measurement keeps the dense probabilities in float: ~1e-7 relative
            assertEquals(kl, r.lossDelta(), 1e-5 * kl + 1e-9, "seed " + seed + " " + type);
            assertEquals(r.lossDelta() / sumSquares, r.weight(), 1e-9 * r.weight(), "seed " + seed + " " + type);
        }
        // an unused projection (layer 0's attention behind a zero o_proj) moves nothing
        silenceLayerZeroAttention(m);
        final Map<String, Sensitivity.Result> unused = Sensitivity.measure(m, grams(m, w), w, name -> null, 0.4, m.config().layers(),
                Sensitivity.Measure.KL, 1, null);
        final Sensitivity.Result q = unused.get(LlamaModel.layer(0, "self_attn.q_proj"));
        assertTrue(q.error() > 0, "seed " + seed + ": the perturbation must be real");
        assertEquals(0.0, q.weight(), 1e-12, "seed " + seed + ": " + q);
    }

    /**
     * The Fisher measure, per projection even in one band: ΔL = (1/2T)·Σ_windows Σ_t (∂L_ε/∂δ_t)², L_ε the window's loss with the
     * measure's random signs ({@link Sensitivity#lossSigns}), δ_t scaling the
     * perturbation ΔY = X·ΔWᵀ (ΔW = W − its SVD-LLM approximation) added at position t alone; each derivative by central
     * finite differences of full forward passes through an operator that adds ε·ΔY_t to one row. Never negative,
     * w = ΔL / e², the same bits on 1 and 2 workers, and zero for a projection whose output is unused.
     */
    @ParameterizedTest
    @ValueSource(longs = {18, 19})
    void fisherSensitivityIsTheEmpiricalFisherOfThePerturbationByToken(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final List<int[]> w = windows(seed, 2, 7);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Map<String, Sensitivity.Result> s = Sensitivity.measure(m, g, w, name -> null, 0.4, 1, Sensitivity.Measure.FISHER, 2, null);
        assertEquals(s, Sensitivity.measure(m, g, w, name -> null, 0.4, 1, Sensitivity.Measure.FISHER, 1, null), "seed " + seed + ": 1 and 2 workers");
        long positions = 0;
        for (int[] x : w) positions += x.length - 1;
        final Compressor svd = Compressor.builder().method(Method.SVD_LLM).ratio(0.4).build();
        final double eps = 1e-2;
        for (String type : LlamaModel.PROJECTIONS) {
            for (int l = 0; l < m.config().layers(); l++) {
                final String name = LlamaModel.layer(l, type);
                double fisher = 0;
                final FMatrixRMaj weight = m.weight(name);
                final CompressedMatrix c = svd.compress(weight, g.get(name));
                final double e = c.report().functionalError();
                final FMatrixRMaj delta = weight.copy();
                final FMatrixRMaj approx = c.reconstruct();
                for (int i = 0; i < delta.data.length; i++) delta.data[i] -= approx.data[i];
                for (int wi = 0; wi < w.size(); wi++) {
                    final int[] x = w.get(wi);
                    final double[] signs = Sensitivity.lossSigns(wi, x.length - 1);
                    for (int t = 0; t < x.length; t++) {
                        final LlamaModel up = m.copy(), down = m.copy();
                        up.replace(name, new RowShift(weight, delta, t, eps));
                        down.replace(name, new RowShift(weight, delta, t, -eps));
                        final double d = (windowNats(up, x, signs) - windowNats(down, x, signs)) / (2 * eps);
                        fisher += d * d;
                    }
                }
                final double expected = fisher / (2.0 * positions);
                final Sensitivity.Result r = s.get(name);
                assertTrue(r.lossDelta() > 0 && !r.negative(), "seed " + seed + " " + name + ": " + r);
                assertEquals(e, r.error(), 0.0, "seed " + seed + " " + name);
                assertEquals(expected, r.lossDelta(), 3e-2 * expected + 1e-8, "seed " + seed + " " + name);
                assertEquals(r.lossDelta() / (e * e), r.weight(), 1e-9 * r.weight(), "seed " + seed + " " + name);
            }
        }
        silenceLayerZeroAttention(m);
        final Map<String, Sensitivity.Result> unused = Sensitivity.measure(m, grams(m, w), w, name -> null, 0.4, m.config().layers(),
                Sensitivity.Measure.FISHER, 2, null);
        final Sensitivity.Result q = unused.get(LlamaModel.layer(0, "self_attn.q_proj"));
        assertTrue(q.error() > 0, "seed " + seed + ": the perturbation must be real");
        assertEquals(0.0, q.weight(), "seed " + seed + ": " + q);
        assertTrue(unused.get(LlamaModel.layer(1, "mlp.down_proj")).weight() > 0, "seed " + seed);
    }

    /** Zeroes layer 0's o_proj, so that layer 0's q, k and v cannot change the output; returns o_proj's name. */
    private static String silenceLayerZeroAttention(LlamaModel m) {
        final String o = LlamaModel.layer(0, "self_attn.o_proj");
        m.replaceWeight(o, new FMatrixRMaj(m.projection(o).outFeatures(), m.projection(o).inFeatures()));
        return o;
    }

    /** X·Wᵀ with ε·X_t·ΔWᵀ added to row t only: the perturbation of one position's output. */
    private record RowShift(FMatrixRMaj w, FMatrixRMaj delta, int row, double eps) implements io.github.cospadi.kernel.LinearOperator {
        @Override public int inFeatures() { return w.numCols; }
        @Override public int outFeatures() { return w.numRows; }
        @Override public long weightBytes() { return 0; }
        @Override public float[] multiply(float[] x, float[] y, Parallelism parallelism) { throw new UnsupportedOperationException(); }

        @Override
        public FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism) {
            final FMatrixRMaj y = io.github.cospadi.kernel.DenseLinear.wrap(w).multiply(x, parallelism);
            for (int i = 0; i < w.numRows; i++) {
                double d = 0;
                for (int j = 0; j < w.numCols; j++) d += (double) delta.get(i, j) * x.get(row, j);
                y.set(row, i, (float) (y.get(row, i) + eps * d));
            }
            return y;
        }
    }

    /** Σ_t ε_t·(−log p(x_{t+1} | x_≤t)) of one window by a full forward pass, in double. */
    private static double windowNats(LlamaModel m, int[] x, double[] signs) {
        final FMatrixRMaj z = m.logits(x, null);
        double total = 0;
        for (int t = 0; t + 1 < x.length; t++) total += signs[t] * (logSumExp(z, t) - z.get(t, x[t + 1]));
        return total;
    }

    /**
     * Replaces the projection {@code type} of every layer of {@code perturbed} by the SVD-LLM approximation at
     * {@code ratio} of {@code dense}'s; returns the approximations' functional errors by layer.
     */
    private static double[] perturbEveryLayer(LlamaModel perturbed, LlamaModel dense, Map<String, CalibrationStats> g, String type, double ratio) {
        final Compressor svd = Compressor.builder().method(Method.SVD_LLM).ratio(ratio).build();
        final double[] errors = new double[dense.config().layers()];
        for (int l = 0; l < errors.length; l++) {
            final String name = LlamaModel.layer(l, type);
            final CompressedMatrix c = svd.compress(dense.weight(name), g.get(name));
            errors[l] = c.report().functionalError();
            perturbed.replaceWeight(name, c.reconstruct());
        }
        return errors;
    }

    /** Mean over predicted positions of KL(p ‖ q) between the two models' next-token distributions. */
    private static double meanDivergence(LlamaModel p, LlamaModel q, List<int[]> windows) {
        double total = 0;
        long count = 0;
        for (int[] x : windows) {
            final FMatrixRMaj zp = p.logits(x, null), zq = q.logits(x, null);
            for (int t = 0; t + 1 < x.length; t++) {
                final double lp = logSumExp(zp, t), lq = logSumExp(zq, t);
                double kl = 0;
                for (int v = 0; v < zp.numCols; v++) {
                    final double a = zp.get(t, v) - lp;
                    kl += Math.exp(a) * (a - (zq.get(t, v) - lq));
                }
                total += kl;
                count++;
            }
        }
        return total / count;
    }

    private static double logSumExp(FMatrixRMaj z, int row) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int v = 0; v < z.numCols; v++) max = Math.max(max, z.get(row, v));
        for (int v = 0; v < z.numCols; v++) sum += Math.exp(z.get(row, v) - max);
        return Math.log(sum) + max;
    }

    /** Mean −log p(x_t | x_<t) over the windows by full forward passes (the test's own softmax). */
    private static double meanNats(LlamaModel m, List<int[]> windows) {
        double total = 0;
        long count = 0;
        for (int[] x : windows) {
            final FMatrixRMaj z = m.logits(x, null);
            for (int t = 0; t + 1 < x.length; t++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int v = 0; v < z.numCols; v++) max = Math.max(max, z.get(t, v));
                for (int v = 0; v < z.numCols; v++) sum += Math.exp(z.get(t, v) - max);
                total += Math.log(sum) + max - z.get(t, x[t + 1]);
                count++;
            }
        }
        return total / count;
    }

    /** SVD-LLM's curve from the spectrum equals the error of the compression at that rank. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 16, 31})
    void svdLlmCurveMatchesTheCompression(int rank) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(false), 6, null, Parallelism.sequential());
        final List<int[]> w = windows(6, 8, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        for (String p : List.of("self_attn.q_proj", "mlp.down_proj", "mlp.up_proj")) {
            final String name = LlamaModel.layer(1, p);
            final ErrorCurves c = ErrorCurves.measure(m.weight(name), g.get(name), null, Parallelism.sequential());
            final CompressedMatrix svd = Compressor.builder().method(Method.SVD_LLM).rank(rank).build().compress(m.weight(name), g.get(name));
            final double measured = svd.report().functionalError();
            assertEquals(measured, c.svdLlmError(rank), 1e-4 * (1 + measured), p + " rank " + rank);
        }
    }

    /** The probe defines CoSpaDi's curve: at the probe's own storage the model returns the probe's error. */
    @Test
    void cospadiModelReproducesTheProbe() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(false), 7, null, Parallelism.sequential());
        final List<int[]> w = windows(7, 8, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.4).fast().iterations(4).build();
        for (io.github.cospadi.models.Projection p : m.projections()) {
            final ErrorCurves c = ErrorCurves.measure(m.weight(p.name()), g.get(p.name()), probe, Parallelism.sequential());
            assertEquals(c.probeError(), c.cospadiError(c.probeStorage()), 1e-12, p.name());
            final List<Candidate> cand = c.candidates(Planner.CANDIDATE_RATIOS, 2);
            assertEquals(Candidate.Kind.DENSE, cand.get(cand.size() - 1).kind(), p.name());
            for (Candidate x : cand) {
                assertTrue(x.storage() <= (long) p.outFeatures() * p.inFeatures(), p.name() + " " + x.label());
                if (x.kind() == Candidate.Kind.COSPADI) assertEquals(c.probeOrientation(), x.orientation(), p.name());
            }
        }
    }

    /** A band member borrows its representative's probe: same orientation and advantage, its own SVD-LLM curve. */
    @Test
    void borrowedProbeScalesTheMembersOwnCurve() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(false), 14, null, Parallelism.sequential());
        final List<int[]> w = windows(14, 8, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.4).fast().iterations(3).build();
        for (String type : List.of("self_attn.q_proj", "mlp.down_proj")) {
            final String a = LlamaModel.layer(0, type), b = LlamaModel.layer(1, type);
            final ErrorCurves rep = ErrorCurves.measure(m.weight(a), g.get(a), probe, Parallelism.sequential());
            final ErrorCurves own = ErrorCurves.measure(m.weight(b), g.get(b), null, Parallelism.sequential());
            final ErrorCurves borrowed = own.withProbeOf(rep);
            assertEquals(rep.advantage(), borrowed.advantage(), 0.0, type);
            assertEquals(rep.probeOrientation(), borrowed.probeOrientation(), type);
            for (long storage = 100; storage < 20_000; storage += 997) {
                assertEquals(rep.advantage() * own.svdLlmErrorAtStorage(storage), borrowed.cospadiError(storage), 1e-15, type + " at " + storage);
                assertEquals(own.svdLlmErrorAtStorage(storage), borrowed.svdLlmErrorAtStorage(storage), 0.0, type);
            }
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> rep.withProbeOf(rep), "a probed curve keeps its own");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> own.withProbeOf(own), "no probe to borrow");
        }
        final String q = LlamaModel.layer(0, "self_attn.q_proj"), down = LlamaModel.layer(1, "mlp.down_proj");
        final ErrorCurves qRep = ErrorCurves.measure(m.weight(q), g.get(q), probe, Parallelism.sequential());
        final ErrorCurves downOwn = ErrorCurves.measure(m.weight(down), g.get(down), null, Parallelism.sequential());
        final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> downOwn.withProbeOf(qRep));
        assertTrue(e.getMessage().contains("representative is"), e.getMessage());
    }

    /** One band of all layers: the plan probes one matrix per type (the middle layer) and fits its budget. */
    @Test
    void planInOneBandProbesOneMatrixPerType() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 15, null, Parallelism.sequential());
        final List<int[]> w = windows(15, 6, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.3).fast().iterations(3).build();
        final Planner.Result r = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 2, null, 0.1, 1, Sensitivity.Measure.LOSS);
        assertTrue(r.plan().storage() <= r.plan().budget(), r.plan().toText());
        final int layers = m.config().layers();
        for (String type : LlamaModel.PROJECTIONS) {
            final ErrorCurves rep = r.curves().get(LlamaModel.layer(layers / 2, type));
            for (int l = 0; l < layers; l++) {
                final ErrorCurves c = r.curves().get(LlamaModel.layer(l, type));
                assertEquals(rep.advantage(), c.advantage(), 0.0, type + " layer " + l);
            }
            final Sensitivity.Result s0 = r.sensitivities().get(LlamaModel.layer(0, type));
            for (int l = 1; l < layers; l++) assertEquals(s0.weight(), r.sensitivities().get(LlamaModel.layer(l, type)).weight(), 0.0, type);
        }
    }

    /** The whole plan is the same for 1 and 2 workers, fits its budget and offers no CoSpaDi in the SVD-only mode. */
    @Test
    void planIsTheSameForOneAndTwoWorkers() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 8, null, Parallelism.sequential());
        final List<int[]> w = windows(8, 6, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.3).fast().iterations(3).build();
        final Planner.Result one = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 1, null);
        final Planner.Result two = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 2, null);
        assertEquals(one.plan().toJson(), two.plan().toJson());
        final BudgetPlan plan = one.plan();
        assertTrue(plan.storage() <= plan.budget() && plan.achievedRatio() >= 0.3, plan.toText());
        final BudgetPlan svd = Planner.plan(m, g, 0.3, probe, 2, true, w.subList(0, 3), 2, null).plan();
        for (BudgetPlan.Entry e : svd.entries()) assertTrue(e.chosen().kind() != Candidate.Kind.COSPADI, e.chosen().label());
    }

    /**
     * With a spread, every chosen candidate's own ratio 1 − storage/(d_in·d_out) lies within the spread of γ (plus the
     * rounding of k, s or r) and nothing is kept dense.
     */
    @Test
    void spreadKeepsEveryMatrixNearTheTargetRatio() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 9, null, Parallelism.sequential());
        final List<int[]> w = windows(9, 6, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.4).fast().iterations(3).build();
        final BudgetPlan plan = Planner.plan(m, g, 0.4, probe, 2, false, w.subList(0, 3), 1, null, 0.1).plan();
        assertTrue(plan.storage() <= plan.budget(), plan.toText());
        for (BudgetPlan.Entry e : plan.entries()) {
            final Candidate c = e.chosen();
            final double own = 1 - (double) c.storage() / ((double) e.options().inFeatures() * e.options().outFeatures());
            assertTrue(c.kind() != Candidate.Kind.DENSE && own >= 0.4 - 0.1 - 0.05 && own <= 0.4 + 0.1 + 0.05,
                    e.options().name() + ": " + c.label() + " at ratio " + own);
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Planner.plan(m, g, 0.4, probe, 2, false, w.subList(0, 3), 1, null, 0));
    }

    /**
     * Saved sensitivities: written and read back exactly; a plan from them equals the plan that measured them, and at
     * another γ it equals planning with the same sensitivities in memory (no measurement); a file of another model, a
     * damaged one or a non-finite weight is refused naming the file.
     */
    @Test
    void savedSensitivitiesPlanLikeMeasuredOnes() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 10, null, Parallelism.sequential());
        final List<int[]> w = windows(10, 6, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.3).fast().iterations(3).build();
        final Planner.Result measured = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 1, null, 0.1, 6, Sensitivity.Measure.LOSS);
        final byte[] file = Sensitivity.toJson(Map.of("measure", "loss", "perturbation_ratio", "0.3"), measured.sensitivities())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final Sensitivity.Saved saved = Sensitivity.fromJson(file, "s.json");
        assertEquals(measured.sensitivities(), saved.results(), "every double reads back exactly");
        assertEquals("0.3", saved.about().get("perturbation_ratio"));
        assertTrue(saved.sha256().matches("[0-9a-f]{64}"), saved.sha256());
        final Planner.Result again = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 1, null, 0.1, 6, Sensitivity.Measure.LOSS,
                saved.resultsFor(m.projections(), "s.json"));
        assertEquals(measured.plan().toJson(), again.plan().toJson());
        // at γ = 0.4 with the γ = 0.3 sensitivities: the windows are not used (an empty list would be refused by a measurement)
        final Compressor probe4 = Compressor.builder().ratio(0.4).fast().iterations(3).build();
        final BudgetPlan reused = Planner.plan(m, g, 0.4, probe4, 2, false, List.of(), 1, null, 0.1, 6, Sensitivity.Measure.LOSS,
                saved.results()).plan();
        assertTrue(reused.storage() <= reused.budget(), reused.toText());
        for (BudgetPlan.Entry e : reused.entries()) {
            final Sensitivity.Result r = saved.results().get(e.options().name());
            if (!r.negative()) assertEquals(r.weight(), e.options().sensitivity(), 0.0, e.options().name()); // a negative one gets the floor
        }

        final LlamaModel other = TinyLlamas.random(TinyLlamas.config(false), 10, null, Parallelism.sequential());
        final Map<String, Sensitivity.Result> fewer = new java.util.LinkedHashMap<>(saved.results());
        fewer.remove(m.projections().get(0).name());
        final IllegalArgumentException missing = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Sensitivity.Saved(Map.of(), fewer, "").resultsFor(m.projections(), "s.json"));
        assertTrue(missing.getMessage().startsWith("s.json: the sensitivities are not this model's: 1 projections missing"), missing.getMessage());
        if (other.projections().size() != m.projections().size()) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> saved.resultsFor(other.projections(), "s.json"));
        }
        final String text = new String(file, java.nio.charset.StandardCharsets.UTF_8);
        final IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Sensitivity.fromJson(text.replaceFirst("\"weight\": [^,]*,", "\"weight\": \"x\",").getBytes(java.nio.charset.StandardCharsets.UTF_8), "s.json"));
        assertTrue(bad.getMessage().contains("s.json: projections['") && bad.getMessage().contains("'weight' must be a number"), bad.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Sensitivity.fromJson(java.util.Arrays.copyOf(file, file.length / 2), "s.json"), "a truncated file");
    }

    /** An in-memory checkpoint that counts what it saves. */
    static final class MemoryCheckpoint implements Planner.Checkpoint {
        final Map<String, String> curves = new java.util.concurrent.ConcurrentHashMap<>(), groups = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public ErrorCurves savedCurves(String projection) {
            final String j = curves.get(projection);
            return j == null ? null : ErrorCurves.fromJson(j, projection);
        }

        @Override
        public void saveCurves(String projection, ErrorCurves c) {
            saves.incrementAndGet();
            curves.put(projection, c.toJson());
        }

        @Override
        public Map<String, Sensitivity.Result> savedGroup(String group) {
            final String j = groups.get(group);
            return j == null ? null : Sensitivity.fromJson(j.getBytes(java.nio.charset.StandardCharsets.UTF_8), group).results();
        }

        @Override
        public void saveGroup(String group, Map<String, Sensitivity.Result> members) {
            saves.incrementAndGet();
            groups.put(group, Sensitivity.toJson(Map.of(), members));
        }
    }

    /**
     * A checkpointed plan is the plan without one; planning again from a full checkpoint measures nothing and gives the
     * same plan; from a checkpoint missing some steps it measures only those. Saved curves read back exactly.
     */
    @Test
    void aCheckpointedPlanResumesWithTheSameBits() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 11, null, Parallelism.sequential());
        final List<int[]> w = windows(11, 6, 16);
        final Map<String, CalibrationStats> g = grams(m, w);
        final Compressor probe = Compressor.builder().ratio(0.3).fast().iterations(3).build();
        final Planner.Result plain = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 2, null, 0.1, 2, Sensitivity.Measure.LOSS);
        final MemoryCheckpoint cp = new MemoryCheckpoint();
        final Planner.Result first = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 2, null, 0.1, 2, Sensitivity.Measure.LOSS, null, cp);
        assertEquals(plain.plan().toJson(), first.plan().toJson());
        final int projections = m.projections().size(), groups = 7 * Math.min(2, m.config().layers());
        assertEquals(projections + groups, cp.saves.get(), "every curve and every group saved once");
        for (String name : cp.curves.keySet()) assertEquals(cp.curves.get(name), ErrorCurves.fromJson(cp.curves.get(name), name).toJson());
        final Planner.Result again = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 2, null, 0.1, 2, Sensitivity.Measure.LOSS, null, cp);
        assertEquals(plain.plan().toJson(), again.plan().toJson());
        assertEquals(projections + groups, cp.saves.get(), "nothing measured again");
        // lose one curve and two groups: exactly those are measured again, with the same plan
        cp.curves.remove(cp.curves.keySet().iterator().next());
        final java.util.Iterator<String> it = cp.groups.keySet().iterator();
        it.next();
        it.remove();
        it.next();
        it.remove();
        final Planner.Result resumed = Planner.plan(m, g, 0.3, probe, 2, false, w.subList(0, 3), 1, null, 0.1, 2, Sensitivity.Measure.LOSS, null, cp);
        assertEquals(plain.plan().toJson(), resumed.plan().toJson());
        assertEquals(projections + groups + 3, cp.saves.get());
        assertEquals(plain.sensitivities(), resumed.sensitivities());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ErrorCurves.fromJson("{\"out_features\": 2, \"in_features\": 3,"
                + " \"probe_orientation\": null, \"probe_storage\": 0, \"probe_error\": null, \"tail\": [1, 0.5]}", "c.json"), "tail of the wrong length");
    }
}
