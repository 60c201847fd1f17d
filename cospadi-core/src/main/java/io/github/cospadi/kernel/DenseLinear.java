package io.github.cospadi.kernel;

import io.github.cospadi.Parallelism;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.FMatrixRMaj;

/** The dense baseline: W (outFeatures × inFeatures) row-major float, GEMV as one dot per row (Vector API when present). */
public final class DenseLinear implements LinearOperator {
    static final int ROW_BLOCK = 64;
    private final FMatrixRMaj w;  // (out x in)
    private final float[] wt;     // (in x out) for the batched GEMM

    public DenseLinear(FMatrixRMaj weight) {
        Checks.nonEmpty("weight", weight);
        this.w = weight.copy();
        this.wt = Kernels.transpose(weight);
    }

    @Override public int inFeatures() { return w.numCols; }

    @Override public int outFeatures() { return w.numRows; }

    @Override
    public float[] multiply(float[] x, float[] y, Parallelism parallelism) {
        Kernels.checkVector(this, x);
        final float[] out = y != null ? y : new float[outFeatures()];
        final int n = inFeatures();
        parallelism.forEachBlock(outFeatures(), ROW_BLOCK, (from, to) -> {
            final FloatOps ops = FloatOps.get();
            for (int j = from; j < to; j++) out[j] = ops.dot(w.data, j * n, x, 0, n);
        });
        return out;
    }

    @Override
    public FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism) {
        Kernels.checkBatch(this, x);
        return Kernels.gemm(x, wt, outFeatures(), parallelism);
    }

    @Override
    public long weightBytes() {
        return 4L * w.numRows * w.numCols;
    }
}
