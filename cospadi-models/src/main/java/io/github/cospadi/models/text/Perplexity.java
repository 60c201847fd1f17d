package io.github.cospadi.models.text;

import io.github.cospadi.models.LanguageModel;
import org.ejml.data.FMatrixRMaj;

import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Token-level held-out loss of a causal language model over windows: within a window every token after the first is
 * scored by −log softmax(logits of the previous position), in double.
 */
public final class Perplexity {
    private Perplexity() {}

    /**
     * The result over all scored tokens.
     *
     * @param nats   total negative log-likelihood
     * @param tokens scored tokens
     * @param bytes  UTF-8 bytes the scored tokens decode to
     */
    public record Score(double nats, long tokens, long bytes) {
        public double natsPerToken() {
            return nats / tokens;
        }

        public double perplexity() {
            return Math.exp(natsPerToken());
        }

        public double natsPerByte() {
            return nats / bytes;
        }
    }

    /** Hears the progress of an evaluation; return false to cancel. */
    @FunctionalInterface
    public interface Progress {
        boolean onWindow(int done, int total);
    }

    public static Score evaluate(LanguageModel model, List<int[]> windows, Progress progress) {
        if (windows.isEmpty()) throw new IllegalArgumentException("windows must be non-empty");
        double nats = 0;
        long tokens = 0, bytes = 0;
        int done = 0;
        for (int[] w : windows) {
            if (w.length < 2) throw new IllegalArgumentException("window " + done + " has " + w.length + " tokens; at least 2 are needed");
            final FMatrixRMaj logits = model.logits(w, null);
            final int v = logits.numCols;
            for (int t = 0; t + 1 < w.length; t++) {
                nats += crossEntropy(logits.data, t * v, v, w[t + 1]);
                bytes += model.tokenizer().decodeBytes(new int[]{w[t + 1]}).length;
            }
            tokens += w.length - 1;
            done++;
            if (progress != null && !progress.onWindow(done, windows.size())) throw new CancellationException("evaluation cancelled");
        }
        return new Score(nats, tokens, bytes);
    }

    /** −log softmax(row)[target] of the logits row at {@code off}, in double. */
    static double crossEntropy(float[] logits, int off, int v, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < v; i++) sum += Math.exp(logits[off + i] - max);
        return Math.log(sum) + max - logits[off + target];
    }
}
