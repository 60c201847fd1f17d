package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** The backward pass against finite differences of the forward pass (its oracle), and its loss against the forward's. */
class LossGradientsTest {
    static LongStream seeds() {
        return LongStream.range(1, 7);
    }

    /** Σ_{t<n−1} a_t·(−log softmax(z_t)[x_{t+1}]) of the model's own forward pass, in double (a null: all 1). */
    private static double loss(LlamaModel m, int[] tokens, double[] a) {
        final FMatrixRMaj z = m.logits(tokens, null);
        double total = 0;
        for (int t = 0; t + 1 < tokens.length; t++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < z.numCols; v++) max = Math.max(max, z.get(t, v));
            for (int v = 0; v < z.numCols; v++) sum += Math.exp(z.get(t, v) - max);
            total += (a == null ? 1 : a[t]) * (Math.log(sum) + max - z.get(t, tokens[t + 1]));
        }
        return total;
    }

    /**
     * Property: for every projection W_m and a random direction E, the directional derivative from the reported
     * gradient, ⟨∂L/∂Y_m, X_m·Eᵀ⟩, equals the central finite difference (L(W_m + εE) − L(W_m − εE)) / 2ε of the
     * forward pass; the loss returned equals the forward pass's, and every projection is reported once with its shapes.
     * Odd seeds weight the loss terms by random a_t of either sign (the weighted loss L_a = Σ a_t·ℓ_t).
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void gradientsMatchFiniteDifferences(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.sequential());
        final SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        final int[] tokens = TinyLlamas.tokens(3 + r.nextInt(14), 256, r);
        final Map<String, FMatrixRMaj[]> seen = new LinkedHashMap<>();
        final Parallelism par = seed % 3 == 0 ? Parallelism.threads(2) : Parallelism.sequential();
        final double[] a = seed % 2 == 0 ? null : new double[tokens.length - 1];
        if (a != null) for (int t = 0; t < a.length; t++) a[t] = r.nextDouble() * 4 - 2;
        final double l = m.lossGradients().run(tokens, a, (name, x, g) -> {
            assertNull(seen.put(name, new FMatrixRMaj[]{x.copy(), g.copy()}), "seed " + seed + ": " + name + " reported twice");
        }, par);
        assertEquals(loss(m, tokens, a), l, 1e-9 * Math.abs(loss(m, tokens, null)), "seed " + seed + ": the loss of the backward's forward pass");
        assertEquals(m.projectionNames().size(), seen.size(), "seed " + seed + ": every projection reported");
        int checked = 0;
        for (io.github.cospadi.models.Projection p : m.projections()) {
            final FMatrixRMaj x = seen.get(p.name())[0], g = seen.get(p.name())[1];
            assertEquals(tokens.length, x.numRows);
            assertEquals(p.inFeatures(), x.numCols, p.name());
            assertEquals(p.outFeatures(), g.numCols, p.name());
            final FMatrixRMaj w = m.weight(p.name());
            final FMatrixRMaj e = TinyLlamas.matrix(w.numRows, w.numCols, r);
            double analytic = 0; // Σ_t Σ_i G_ti (E x_t)_i
            for (int t = 0; t < x.numRows; t++) {
                for (int i = 0; i < e.numRows; i++) {
                    double ex = 0;
                    for (int j = 0; j < e.numCols; j++) ex += (double) e.get(i, j) * x.get(t, j);
                    analytic += g.get(t, i) * ex;
                }
            }
            final double eps = 3e-3;
            final double up = loss(m.withWeights(Map.of(p.name(), shifted(w, e, eps))), tokens, a);
            final double down = loss(m.withWeights(Map.of(p.name(), shifted(w, e, -eps))), tokens, a);
            final double numeric = (up - down) / (2 * eps);
            assertEquals(numeric, analytic, 2e-2 * Math.abs(numeric) + 2e-3,
                    "seed " + seed + " " + p.name() + ": finite difference " + numeric + ", gradient " + analytic);
            if (Math.abs(numeric) > 1e-2) checked++;
        }
        assertTrue(checked >= m.projections().size() / 2, "seed " + seed + ": most directional derivatives are not ~0 (" + checked + ")");
    }

    /** Property: the gradients do not depend on the number of threads (the same bits). */
    @ParameterizedTest
    @MethodSource("seeds")
    void threadsDoNotChangeTheGradients(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 1), seed, null, Parallelism.sequential());
        final int[] tokens = TinyLlamas.tokens(40, 256, new SplittableRandom(seed));
        final LossGradients lg = m.lossGradients();
        final Map<String, float[]> one = new LinkedHashMap<>(), two = new LinkedHashMap<>();
        final double l1 = lg.run(tokens, (name, x, g) -> one.put(name, g.data.clone()), Parallelism.sequential());
        final double l2 = lg.run(tokens, (name, x, g) -> two.put(name, g.data.clone()), Parallelism.threads(2));
        assertEquals(l1, l2, "seed " + seed);
        for (String n : one.keySet()) assertArrayEquals(one.get(n), two.get(n), "seed " + seed + " " + n);
    }

    @Test
    void badWindowsAreRefusedByName() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 3, null, Parallelism.sequential());
        final LossGradients lg = m.lossGradients();
        final IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> lg.run(new int[]{5}, (n, x, g) -> {}, Parallelism.sequential()));
        assertTrue(one.getMessage().contains("at least 2"), one.getMessage());
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> lg.run(new int[]{5, 300}, (n, x, g) -> {}, Parallelism.sequential()));
        assertTrue(bad.getMessage().contains("token 300 at position 1"), bad.getMessage());
        final IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> lg.run(new int[]{5, 6, 7}, new double[]{1}, (n, x, g) -> {}, Parallelism.sequential()));
        assertTrue(weights.getMessage().contains("lossWeights has length 1, expected tokens - 1 = 2"), weights.getMessage());
        final IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> lg.run(new int[]{5, 6, 7}, new double[]{1, Double.NaN}, (n, x, g) -> {}, Parallelism.sequential()));
        assertTrue(nan.getMessage().contains("lossWeights[1] must be finite, got NaN"), nan.getMessage());
    }

    private static FMatrixRMaj shifted(FMatrixRMaj w, FMatrixRMaj e, double eps) {
        final FMatrixRMaj out = w.copy();
        for (int i = 0; i < out.data.length; i++) out.data[i] = (float) (w.data[i] + eps * e.data[i]);
        return out;
    }
}
