package io.github.cospadi.models;

import io.github.cospadi.models.tokenizer.Tokenizer;
import org.ejml.data.FMatrixRMaj;

/**
 * A causal language model: scores token sequences (logits of the next token at every position) and decodes one token
 * at a time with a key/value cache.
 */
public interface LanguageModel extends CompressibleModel {
    Tokenizer tokenizer();

    int vocabSize();

    /** Logits (tokens × vocabulary) of a causal forward pass over positions 0..n−1; {@code listener} may be null. */
    FMatrixRMaj logits(int[] tokens, ProjectionListener listener);

    /**
     * As {@link #logits(int[], ProjectionListener)} with the pass split over {@code parallelism}'s threads in place of the
     * model's own (an evaluation running several windows at once gives each one thread); the logits do not depend on
     * it. The default ignores {@code parallelism}.
     */
    default FMatrixRMaj logits(int[] tokens, ProjectionListener listener, io.github.cospadi.common.Parallelism parallelism) {
        return logits(tokens, listener);
    }

    @Override
    default void run(int[] tokens, ProjectionListener listener) {
        logits(tokens, listener);
    }

    /** A fresh incremental decoder (its own key/value cache) for up to {@code maxPositions} positions. */
    Decoder decoder(int maxPositions);

    /** Batch-1 incremental decoding: feed one token, get the logits of the next. Not thread-safe. */
    interface Decoder {
        /** Appends {@code token} at the next position and returns the next-token logits (length vocabSize). */
        float[] next(int token);

        /** Positions consumed so far. */
        int position();
    }
}
