package io.github.cospadi.kernel;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.internal.FloatOps;
import org.ejml.data.FMatrixRMaj;

/** The SVD-LLM pair: y = U·(V·x) with V (r × inFeatures) and U (outFeatures × r), both row-major float. */
public final class LowRankLinear implements LinearOperator {
    private final FMatrixRMaj u, v;

    public LowRankLinear(FMatrixRMaj u, FMatrixRMaj v) {
        Checks.nonEmpty("u", u);
        Checks.nonEmpty("v", v);
        if (u.numCols != v.numRows) {
            throw new IllegalArgumentException("u (" + Checks.shape(u) + ") and v (" + Checks.shape(v) + ") must share the rank");
        }
        this.u = u.copy();
        this.v = v.copy();
    }

    @Override public int inFeatures() { return v.numCols; }

    @Override public int outFeatures() { return u.numRows; }

    public int rank() { return v.numRows; }

    @Override
    public float[] multiply(float[] x, float[] y, Parallelism parallelism) {
        Kernels.checkVector(this, x);
        final int r = rank(), n = inFeatures();
        final float[] h = new float[r];
        parallelism.forEachBlock(r, DenseLinear.ROW_BLOCK, (from, to) -> FloatOps.get().dotRows(v.data, from * n, n, to - from, x, 0, n, h, from));
        final float[] out = y != null ? y : new float[outFeatures()];
        parallelism.forEachBlock(outFeatures(), DenseLinear.ROW_BLOCK, (from, to) -> FloatOps.get().dotRows(u.data, from * r, r, to - from, h, 0, r, out, from));
        return out;
    }

    @Override
    public FMatrixRMaj multiply(FMatrixRMaj x, Parallelism parallelism) {
        Kernels.checkBatch(this, x);
        final FMatrixRMaj h = Kernels.gemmRows(x, v.data, rank(), parallelism);
        return Kernels.gemmRows(h, u.data, outFeatures(), parallelism);
    }

    @Override
    public long weightBytes() {
        return 4L * rank() * (inFeatures() + outFeatures());
    }
}
