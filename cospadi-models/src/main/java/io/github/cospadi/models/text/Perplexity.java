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

    /** {@link #evaluate(LanguageModel, List, int, Progress)} one window at a time (each pass on the model's threads). */
    public static Score evaluate(LanguageModel model, List<int[]> windows, Progress progress) {
        return evaluate(model, windows, 1, progress);
    }

    /**
     * The score over {@code windows}, {@code concurrent} windows at a time, each pass on one thread (with 1, each pass
     * on the model's own threads). Per window the tokens' losses are summed in order, then the windows' sums in window
     * order, so the score does not depend on {@code concurrent}; {@code progress} hears the finished windows in order.
     */
    public static Score evaluate(LanguageModel model, List<int[]> windows, int concurrent, Progress progress) {
        if (windows.isEmpty()) throw new IllegalArgumentException("windows must be non-empty");
        if (concurrent < 1) throw new IllegalArgumentException("concurrent must be positive, got " + concurrent);
        for (int i = 0; i < windows.size(); i++) {
            if (windows.get(i).length < 2) throw new IllegalArgumentException("window " + i + " has " + windows.get(i).length + " tokens; at least 2 are needed");
        }
        final int n = windows.size();
        final double[] nats = new double[n];
        final long[] bytes = new long[n];
        final boolean[] finished = new boolean[n];
        final int[] reported = {0};
        final java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        final io.github.cospadi.common.Parallelism each = concurrent > 1 ? io.github.cospadi.common.Parallelism.sequential() : null;
        io.github.cospadi.common.Parallelism.threads(concurrent).forEachBlock(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                if (cancelled.get()) throw new CancellationException("evaluation cancelled");
                final int[] w = windows.get(i);
                final FMatrixRMaj logits = each == null ? model.logits(w, null) : model.logits(w, null, each);
                final int v = logits.numCols;
                double sum = 0;
                long b = 0;
                for (int t = 0; t + 1 < w.length; t++) {
                    sum += crossEntropy(logits.data, t * v, v, w[t + 1]);
                    b += model.tokenizer().decodeBytes(new int[]{w[t + 1]}).length;
                }
                synchronized (finished) {
                    nats[i] = sum;
                    bytes[i] = b;
                    finished[i] = true;
                    while (reported[0] < n && finished[reported[0]]) {
                        reported[0]++;
                        if (progress != null && !progress.onWindow(reported[0], n)) {
                            cancelled.set(true);
                            throw new CancellationException("evaluation cancelled");
                        }
                    }
                }
            }
        });
        double total = 0;
        long tokens = 0, totalBytes = 0;
        for (int i = 0; i < n; i++) {
            total += nats[i];
            totalBytes += bytes[i];
            tokens += windows.get(i).length - 1;
        }
        return new Score(total, tokens, totalBytes);
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
