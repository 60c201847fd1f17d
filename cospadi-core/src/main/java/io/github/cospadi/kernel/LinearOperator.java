package io.github.cospadi.kernel;

import io.github.cospadi.common.Parallelism;
import org.ejml.data.FMatrixRMaj;

/**
 * A linear layer y = Ŵx (Ŵ: outFeatures × inFeatures) in some storage form. Implementations are immutable and
 * thread-safe; results do not depend on the {@link Parallelism}.
 */
public interface LinearOperator {
    /**
     * The run-time layer of a compressed matrix in either orientation: {@link CompressedLinear} for INPUT (Ŵᵀ = D·S),
     * {@link OutputCompressedLinear} for OUTPUT (Ŵ = D·S), with the codes stored at {@code precision}.
     */
    static LinearOperator of(io.github.cospadi.CompressedMatrix c, CompressedLinear.CodePrecision precision) {
        return c.orientation() == io.github.cospadi.common.Orientation.OUTPUT ? new OutputCompressedLinear(c, precision)
                : CompressedLinear.of(c, precision);
    }

    /**
     * The run-time layers of a group with one shared dictionary (docs/design.md §5.8), holding one copy of it:
     * {@link CompressedLinear#group} for INPUT, {@link OutputCompressedLinear#group} for OUTPUT; a group of one is
     * {@link #of}.
     */
    static java.util.List<LinearOperator> group(io.github.cospadi.CompressedGroup group, CompressedLinear.CodePrecision precision) {
        if (group.size() == 1) return java.util.List.of(of(group.member(0), precision));
        return java.util.List.copyOf(group.orientation() == io.github.cospadi.common.Orientation.OUTPUT
                ? OutputCompressedLinear.group(group, precision) : CompressedLinear.group(group, precision));
    }

    int inFeatures();

    int outFeatures();

    /** y = Ŵx for one input (length inFeatures); {@code y} may be null (allocated) and is returned. */
    float[] multiply(float[] x, float[] y, Parallelism parallelism);

    /** Y = X·Ŵᵀ for a batch X (batch × inFeatures). */
    FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism);

    /** Bytes of weights streamed by one batch-1 product (for GB/s reports). */
    long weightBytes();

    /**
     * The dense matrix Ŵ (outFeatures × inFeatures) this operator applies, a fresh copy. The default multiplies the
     * identity (Ŵᵀ = I·Ŵᵀ) and transposes; implementations with a cheaper form override it.
     */
    default FMatrixRMaj toDense() {
        final int in = inFeatures(), out = outFeatures();
        final FMatrixRMaj identity = new FMatrixRMaj(in, in);
        for (int i = 0; i < in; i++) identity.data[i * in + i] = 1;
        final FMatrixRMaj wt = multiply(identity, Parallelism.sequential()); // in x out
        final FMatrixRMaj w = new FMatrixRMaj(out, in);
        for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) w.data[o * in + i] = wt.data[i * out + o];
        return w;
    }
}
