package io.github.cospadi.kernel;

import io.github.cospadi.Parallelism;
import org.ejml.data.FMatrixRMaj;

/**
 * A linear layer y = Ŵx (Ŵ: outFeatures × inFeatures) in some storage form. Implementations are immutable and
 * thread-safe; results do not depend on the {@link Parallelism}.
 */
public interface LinearOperator {
    int inFeatures();

    int outFeatures();

    /** y = Ŵx for one input (length inFeatures); {@code y} may be null (allocated) and is returned. */
    float[] multiply(float[] x, float[] y, Parallelism parallelism);

    /** Y = X·Ŵᵀ for a batch X (batch × inFeatures). */
    FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism);

    /** Bytes of weights streamed by one batch-1 product (for GB/s reports). */
    long weightBytes();
}
