package io.github.cospadi.models;

import io.github.cospadi.kernel.LinearOperator;
import org.ejml.data.FMatrixRMaj;

/**
 * A model whose linear projections cospadi compresses, whatever its family (Llama, BERT): it names its projections,
 * runs forward passes that report every projection's input (from which {@link GramCapture} builds the calibration
 * Grams), gives each projection's dense weight (so it is the {@link ProjectionWeights} the compression stage reads),
 * and accepts a {@link LinearOperator} in place of any projection, so the model runs on compressed layers themselves.
 *
 * <p>Replacing projections is not thread-safe with a concurrent forward pass; forward passes themselves may run
 * concurrently.
 */
public interface CompressibleModel extends ProjectionWeights {
    /** The current operator of a projection (dense as loaded, or a replacement). */
    LinearOperator operator(String projection);

    /**
     * The projection's dense weight (outFeatures × inFeatures), a fresh copy: the loaded weight, or the dense form of
     * its replacement ({@link LinearOperator#toDense()}).
     */
    @Override
    default FMatrixRMaj weight(String projection) {
        return operator(projection).toDense();
    }

    /** Runs the projection on {@code operator} from now on; its shape must match. */
    void replace(String projection, LinearOperator operator);

    /** One forward pass over a token sequence, reporting every projection's input to {@code listener} (may be null). */
    void run(int[] tokens, ProjectionListener listener);

    /**
     * As {@link #run(int[], ProjectionListener)} with the pass's work split over {@code parallelism}'s threads in place
     * of the model's own (a calibration capture running several passes at once gives each one thread); the reported
     * inputs do not depend on it. The default ignores {@code parallelism}.
     */
    default void run(int[] tokens, ProjectionListener listener, io.github.cospadi.common.Parallelism parallelism) {
        run(tokens, listener);
    }

    /** Checks that {@code operator} fits the projection {@code name} (for implementations of {@link #replace}). */
    static void checkReplacement(Projection p, LinearOperator operator) {
        if (operator.outFeatures() != p.outFeatures() || operator.inFeatures() != p.inFeatures()) {
            throw new IllegalArgumentException("replacement for '" + p.name() + "' is " + operator.outFeatures() + "x"
                    + operator.inFeatures() + ", expected " + p.outFeatures() + "x" + p.inFeatures());
        }
    }
}
