package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.FloatOps;
import io.github.cospadi.kernel.DenseLinear;
import org.ejml.data.FMatrixRMaj;

import java.util.List;

/**
 * The backward pass of a {@link LlamaModel} (docs/design.md §12, the Fisher measure): for one token window, the
 * gradient of the window's summed next-token loss L = Σ_{t<n−1} −log softmax(z_t)[x_{t+1}] with respect to every
 * projection's output Y_m = X_m·W_mᵀ, G_m = ∂L/∂Y_m (tokens × outFeatures), handed to a {@link Listener} with the
 * projection's input X_m. The weights are the dense forms of the model's projections when this object was made
 * ({@link LlamaModel#lossGradients()}), copied once; later replacements in the model are not seen.
 *
 * <p>Each layer's activations are recomputed from its stored input during the backward sweep (one extra forward
 * pass, memory of one layer). The forward is the model's own layer code ({@code LlamaModel.layerPass}), so the loss
 * equals the one of {@link LlamaModel#logits}; the gradients are float32 with double reductions. Finite differences
 * of the forward pass are the test oracle. Windows may run concurrently on one instance.
 */
public final class LossGradients {
    /** Hears one projection's input X (tokens × inFeatures) and output gradient ∂L/∂Y (tokens × outFeatures). */
    @FunctionalInterface
    public interface Listener {
        /** Called once per projection and window, from the last layer to the first; the matrices are valid during the call only. */
        void onGradient(String projection, FMatrixRMaj input, FMatrixRMaj outputGradient);
    }

    private final LlamaModel model;
    private final LlamaConfig config;
    private final FMatrixRMaj[][] weights;  // [layer][projection], out × in
    private final DenseLinear[][] ops;
    private final FMatrixRMaj head;         // vocab × hidden
    private final DenseLinear headOp;

    LossGradients(LlamaModel model) {
        this.model = model;
        this.config = model.config();
        final int layers = config.layers(), per = LlamaModel.PROJECTIONS.size();
        weights = new FMatrixRMaj[layers][per];
        ops = new DenseLinear[layers][per];
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < per; p++) {
                weights[l][p] = model.weight(LlamaModel.layer(l, LlamaModel.PROJECTIONS.get(p)));
                ops[l][p] = DenseLinear.wrap(weights[l][p]);
            }
        }
        head = model.head().toDense();
        headOp = DenseLinear.wrap(head);
    }

    /**
     * One window: the forward pass, the loss and every projection's output gradient to {@code listener} (layer by layer
     * from the last). Returns L, the summed nats of the n − 1 predicted tokens.
     *
     * @throws IllegalArgumentException for fewer than 2 tokens or a token outside the vocabulary, naming it
     */
    public double run(int[] tokens, Listener listener, Parallelism parallelism) {
        return run(tokens, null, listener, parallelism);
    }

    /**
     * As {@link #run(int[], Listener, Parallelism)} for the weighted loss L_a = Σ_{t<n−1} a_t·ℓ_t, ℓ_t the nats of
     * predicting token t + 1 ({@code lossWeights} null: every a_t = 1). Returns L_a.
     *
     * @throws IllegalArgumentException for weights whose length is not n − 1 or that are not finite
     */
    public double run(int[] tokens, double[] lossWeights, Listener listener, Parallelism parallelism) {
        java.util.Objects.requireNonNull(listener, "listener");
        if (lossWeights != null && tokens != null && lossWeights.length != tokens.length - 1) {
            throw new IllegalArgumentException("lossWeights has length " + lossWeights.length + ", expected tokens - 1 = " + (tokens.length - 1));
        }
        if (lossWeights != null) {
            for (int t = 0; t < lossWeights.length; t++) {
                if (!Double.isFinite(lossWeights[t])) throw new IllegalArgumentException("lossWeights[" + t + "] must be finite, got " + lossWeights[t]);
            }
        }
        java.util.Objects.requireNonNull(parallelism, "parallelism");
        if (tokens == null || tokens.length < 2) {
            throw new IllegalArgumentException("tokens must hold at least 2 ids, got " + (tokens == null ? "null" : tokens.length));
        }
        final int n = tokens.length, hidden = config.hiddenSize(), vocab = config.vocabSize(), layers = config.layers();
        final FMatrixRMaj x = new FMatrixRMaj(n, hidden);
        final FMatrixRMaj embed = model.embedding();
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= vocab) {
                throw new IllegalArgumentException("token " + tokens[t] + " at position " + t + " outside the vocabulary of " + vocab);
            }
            System.arraycopy(embed.data, tokens[t] * hidden, x.data, t * hidden, hidden);
        }
        final double[][] rope = LlamaModel.rope(0, n, config.headDim(), config.ropeTheta());
        final FMatrixRMaj[] inputs = new FMatrixRMaj[layers];
        for (int l = 0; l < layers; l++) {
            inputs[l] = x.copy();
            forward(l, x, rope, parallelism, false);
        }
        final float[] finalNorm = model.norm("model.norm.weight");
        final FMatrixRMaj z = headOp.multiply(model.rmsNorm(x, finalNorm), parallelism);
        // dL/dz_t = softmax(z_t) − e_{x_{t+1}} for the predicted positions, 0 for the last
        final FMatrixRMaj dz = new FMatrixRMaj(n, vocab);
        double loss = 0;
        for (int t = 0; t + 1 < n; t++) {
            final int off = t * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, z.data[off + i]);
            double sum = 0;
            for (int i = 0; i < vocab; i++) sum += Math.exp(z.data[off + i] - max);
            final double lse = Math.log(sum) + max;
            final double a = lossWeights == null ? 1 : lossWeights[t];
            loss += a * (lse - z.data[off + tokens[t + 1]]);
            for (int i = 0; i < vocab; i++) dz.data[off + i] = (float) (a * Math.exp(z.data[off + i] - lse));
            dz.data[off + tokens[t + 1]] -= (float) a;
        }
        FMatrixRMaj dx = rmsNormBackward(x, finalNorm, times(dz, head, parallelism));
        final double[][] unrope = inverse(rope);
        for (int l = layers - 1; l >= 0; l--) dx = backward(l, inputs[l], dx, rope, unrope, listener, parallelism);
        return loss;
    }

    /** Layer l on x (updated in place to the layer's output) through the model's own layer code; its activations with {@code keep}. */
    private LlamaModel.Activations forward(int l, FMatrixRMaj x, double[][] rope, Parallelism par, boolean keep) {
        return model.layerPass(l, x, rope, null, par, p -> ops[l][p], keep);
    }

    /** The gradient entering layer l from dx, the gradient at its output; reports the layer's seven projections. */
    private FMatrixRMaj backward(int l, FMatrixRMaj input, FMatrixRMaj dx, double[][] rope, double[][] unrope, Listener listener,
                                 Parallelism par) {
        final String p = "model.layers." + l + ".";
        final LlamaModel.Activations t = forward(l, input.copy(), rope, par, true);
        final List<String> names = LlamaModel.PROJECTIONS;
        // MLP: x2 = x1 + act·W_downᵀ, act = silu(gate)·up
        listener.onGradient(LlamaModel.layer(l, names.get(6)), t.act(), dx);
        final FMatrixRMaj dAct = times(dx, weights[l][6], par);
        final FMatrixRMaj dGate = new FMatrixRMaj(dAct.numRows, dAct.numCols), dUp = new FMatrixRMaj(dAct.numRows, dAct.numCols);
        for (int i = 0; i < dAct.data.length; i++) {
            final double g = t.gate().data[i], sig = 1 / (1 + Math.exp(-g));
            dUp.data[i] = (float) (dAct.data[i] * g * sig);
            dGate.data[i] = (float) (dAct.data[i] * t.up().data[i] * sig * (1 + g * (1 - sig)));
        }
        listener.onGradient(LlamaModel.layer(l, names.get(4)), t.h2(), dGate);
        listener.onGradient(LlamaModel.layer(l, names.get(5)), t.h2(), dUp);
        final FMatrixRMaj dh2 = times(dGate, weights[l][4], par);
        add(dh2.data, times(dUp, weights[l][5], par).data);
        final FMatrixRMaj dx1 = rmsNormBackward(t.x1(), model.norm(p + "post_attention_layernorm.weight"), dh2);
        add(dx1.data, dx.data);
        // attention: x1 = x + attn·W_oᵀ
        listener.onGradient(LlamaModel.layer(l, names.get(3)), t.attn(), dx1);
        final FMatrixRMaj dAttn = times(dx1, weights[l][3], par);
        final FMatrixRMaj dq = new FMatrixRMaj(t.q().numRows, t.q().numCols);
        final FMatrixRMaj dk = new FMatrixRMaj(t.k().numRows, t.k().numCols), dv = new FMatrixRMaj(t.v().numRows, t.v().numCols);
        attentionBackward(t.q(), t.k(), t.v(), dAttn, dq, dk, dv, par);
        final int hd = config.headDim();
        for (int r = 0; r < dq.numRows; r++) { // the transpose of a rotation is the rotation by the opposite angle
            LlamaModel.applyRope(dq.data, r * dq.numCols, config.heads(), hd, unrope[r]);
            LlamaModel.applyRope(dk.data, r * dk.numCols, config.kvHeads(), hd, unrope[r]);
        }
        listener.onGradient(LlamaModel.layer(l, names.get(0)), t.h(), dq);
        listener.onGradient(LlamaModel.layer(l, names.get(1)), t.h(), dk);
        listener.onGradient(LlamaModel.layer(l, names.get(2)), t.h(), dv);
        final FMatrixRMaj dh = times(dq, weights[l][0], par);
        add(dh.data, times(dk, weights[l][1], par).data);
        add(dh.data, times(dv, weights[l][2], par).data);
        final FMatrixRMaj dIn = rmsNormBackward(input, model.norm(p + "input_layernorm.weight"), dh);
        add(dIn.data, dx1.data);
        return dIn;
    }

    /**
     * The backward of {@link LlamaModel#attention} for post-RoPE q, k, v: per head, with S = (Q_h/√hd)·K_hᵀ (causal),
     * P = softmax(S) recomputed as the forward does and O_h = P·V_h: dP = dO_h·V_hᵀ, dV_h += Pᵀ·dO_h,
     * dS = P ∘ (dP − rowsum(P ∘ dP)), dQ_h = dS·K_h/√hd, dK_h += dSᵀ·Q_h/√hd. The heads of one key/value head run
     * together on one thread, so dK and dV are summed in a fixed order.
     */
    private void attentionBackward(FMatrixRMaj q, FMatrixRMaj k, FMatrixRMaj v, FMatrixRMaj dOut, FMatrixRMaj dq, FMatrixRMaj dk,
                                   FMatrixRMaj dv, Parallelism par) {
        final int n = q.numRows, hd = config.headDim(), group = config.heads() / config.kvHeads();
        final int qw = q.numCols, kw = k.numCols;
        final float scale = (float) (1 / Math.sqrt(hd));
        par.forEachBlock(config.kvHeads(), 1, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            final float[] kh = new float[n * hd], kt = new float[hd * n], vt = new float[hd * n];
            final float[] qh = new float[n * hd], doh = new float[n * hd], tmp = new float[n * hd];
            final float[] s = new float[n * n], dp = new float[n * n], st = new float[n * n];
            final float[] dkh = new float[n * hd], dvh = new float[n * hd];
            final double[] e = new double[n];
            for (int kvh = from; kvh < to; kvh++) {
                for (int t = 0; t < n; t++) {
                    final int src = t * kw + kvh * hd;
                    System.arraycopy(k.data, src, kh, t * hd, hd);
                    for (int i = 0; i < hd; i++) {
                        kt[i * n + t] = k.data[src + i];
                        vt[i * n + t] = v.data[src + i];
                    }
                }
                java.util.Arrays.fill(dkh, 0f);
                java.util.Arrays.fill(dvh, 0f);
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    for (int t = 0; t < n; t++) {
                        final int src = t * qw + h * hd;
                        for (int i = 0; i < hd; i++) qh[t * hd + i] = q.data[src + i] * scale;
                        System.arraycopy(dOut.data, src, doh, t * hd, hd);
                    }
                    ops.gemmTransposedA(qh, hd, kt, n, s, 0, n);
                    LlamaModel.causalSoftmax(s, n, e);                  // P, as the forward computes it
                    ops.gemmTransposedA(doh, hd, vt, n, dp, 0, n);     // dP = dO_h·V_hᵀ
                    transpose(s, n, st);
                    ops.gemmTransposedA(st, n, doh, hd, tmp, 0, n);    // Pᵀ·dO_h
                    add(dvh, tmp);
                    for (int t = 0; t < n; t++) {                      // dS, in place of dP
                        final int row = t * n;
                        double dot = 0;
                        for (int u = 0; u <= t; u++) dot += (double) s[row + u] * dp[row + u];
                        for (int u = 0; u <= t; u++) dp[row + u] = (float) (s[row + u] * (dp[row + u] - dot));
                        java.util.Arrays.fill(dp, row + t + 1, row + n, 0f);
                    }
                    ops.gemmTransposedA(dp, n, kh, hd, tmp, 0, n);     // dS·K_h
                    for (int t = 0; t < n; t++) {
                        final int dst = t * qw + h * hd;
                        for (int i = 0; i < hd; i++) dq.data[dst + i] = tmp[t * hd + i] * scale;
                    }
                    transpose(dp, n, st);
                    ops.gemmTransposedA(st, n, qh, hd, tmp, 0, n);     // dSᵀ·(Q_h/√hd)
                    add(dkh, tmp);
                }
                for (int t = 0; t < n; t++) {
                    System.arraycopy(dkh, t * hd, dk.data, t * kw + kvh * hd, hd);
                    System.arraycopy(dvh, t * hd, dv.data, t * kw + kvh * hd, hd);
                }
            }
        });
    }

    /** dx of y = rmsNorm(x)∘w: dx_i = r·w_i·dy_i − x_i·r³·(Σ_j dy_j·w_j·x_j)/d, r = (mean x² + ε)^(−1/2), per row. */
    private FMatrixRMaj rmsNormBackward(FMatrixRMaj x, float[] weight, FMatrixRMaj dy) {
        final int n = x.numRows, d = x.numCols;
        final FMatrixRMaj dx = new FMatrixRMaj(n, d);
        for (int t = 0; t < n; t++) {
            final int off = t * d;
            double ss = 0, dot = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) x.data[off + i] * x.data[off + i];
                dot += (double) dy.data[off + i] * weight[i] * x.data[off + i];
            }
            final double r = 1 / Math.sqrt(ss / d + config.rmsNormEps()), c = r * r * r * dot / d;
            for (int i = 0; i < d; i++) dx.data[off + i] = (float) (r * weight[i] * dy.data[off + i] - x.data[off + i] * c);
        }
        return dx;
    }

    /** A·B for A (n × k) and B (k × m) row-major, rows split over the threads. */
    private static FMatrixRMaj times(FMatrixRMaj a, FMatrixRMaj b, Parallelism par) {
        final FMatrixRMaj c = new FMatrixRMaj(a.numRows, b.numCols);
        par.forEachBlock(a.numRows, 16, (from, to) -> FloatOps.get().gemmTransposedA(a.data, a.numCols, b.data, b.numCols, c.data, from, to));
        return c;
    }

    /** The RoPE tables with the sines negated: the inverse (and transpose) of each rotation. */
    private static double[][] inverse(double[][] rope) {
        final double[][] out = new double[rope.length][];
        for (int t = 0; t < rope.length; t++) {
            out[t] = rope[t].clone();
            for (int i = 1; i < out[t].length; i += 2) out[t][i] = -out[t][i];
        }
        return out;
    }

    private static void transpose(float[] a, int n, float[] out) {
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) out[j * n + i] = a[i * n + j];
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
