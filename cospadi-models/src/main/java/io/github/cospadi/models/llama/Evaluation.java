package io.github.cospadi.models.llama;

import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.models.GramCapture;
import org.ejml.data.FMatrixRMaj;

import java.util.Map;

/** Held-out loss and calibration capture for a {@link LlamaModel}. */
public final class Evaluation {
    private Evaluation() {}

    /** Mean negative log-likelihood in nats per predicted byte (every position but the first of each window). */
    public static double natsPerByte(LlamaModel model, int[][] windows) {
        double total = 0;
        long count = 0;
        for (int[] w : windows) {
            final FMatrixRMaj logits = model.forward(w, null);
            final int v = logits.numCols;
            for (int t = 0; t + 1 < w.length; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < v; i++) max = Math.max(max, logits.data[t * v + i]);
                double sum = 0;
                for (int i = 0; i < v; i++) sum += Math.exp(logits.data[t * v + i] - max);
                total += Math.log(sum) + max - logits.data[t * v + w[t + 1]];
                count++;
            }
        }
        return total / count;
    }

    /** The Gram XᵀX of every projection's input over all positions of the windows, by projection name. */
    public static Map<String, CalibrationStats> captureGrams(LlamaModel model, int[][] windows) {
        return GramCapture.capture(listener -> {
            for (int[] w : windows) model.forward(w, listener::onInput);
        });
    }
}
