package io.github.cospadi.kernel;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.FMatrixRMaj;

/** The dense baseline: W (outFeatures × inFeatures) row-major float, GEMV by {@link FloatOps#dotRows} (Vector API when present). */
public final class DenseLinear implements LinearOperator {
    static final int ROW_BLOCK = 64;
    private final FMatrixRMaj w;  // (out x in)

    /** A dense layer over a copy of {@code weight} (outFeatures × inFeatures). */
    public DenseLinear(FMatrixRMaj weight) {
        this(weight, true);
    }

    private DenseLinear(FMatrixRMaj weight, boolean copy) {
        Checks.nonEmpty("weight", weight);
        this.w = copy ? weight.copy() : weight;
    }

    /**
     * A dense layer over {@code weight} itself, without a copy (for loaders that own a freshly read matrix): the caller
     * hands it over and must not modify it afterwards.
     */
    public static DenseLinear wrap(FMatrixRMaj weight) {
        return new DenseLinear(weight, false);
    }

    @Override
    public FMatrixRMaj toDense() {
        return w.copy();
    }

    @Override public int inFeatures() { return w.numCols; }

    @Override public int outFeatures() { return w.numRows; }

    @Override
    public float[] multiply(float[] x, float[] y, Parallelism parallelism) {
        Kernels.checkVector(this, x);
        final float[] out = y != null ? y : new float[outFeatures()];
        final int n = inFeatures();
        parallelism.forEachBlock(outFeatures(), ROW_BLOCK, (from, to) -> FloatOps.get().dotRows(w.data, from * n, n, to - from, x, 0, n, out, from));
        return out;
    }

    @Override
    public FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism) {
        Kernels.checkBatch(this, x);
        return Kernels.gemmRows(x, w.data, outFeatures(), parallelism);
    }

    @Override
    public long weightBytes() {
        return 4L * w.numRows * w.numCols;
    }
}
