package io.github.cospadi.coding;

import io.github.cospadi.internal.Checks;
import org.ejml.data.DMatrixRMaj;

/**
 * OMP for one target at a time against a fixed dictionary Gram Γ = DᵀD, for learners whose targets depend on the
 * codes found before them (the Gauss–Seidel coding of the output-space learner, docs/design.md §5.6): the column step
 * of {@link OmpCoder} (float panel, double Cholesky), so exactly s entries with least-squares values on the support.
 * Not thread-safe (one workspace); cheap to create one per thread.
 */
public final class GramOmp {
    private final double[] gram;
    private final float[] gramF;
    private final int k, s;
    private final OmpCoder.Workspace workspace;
    private final float[] correlations;
    private final io.github.cospadi.internal.FloatOps ops = io.github.cospadi.internal.FloatOps.get();

    /** @param gram Γ = DᵀD (k × k, symmetric); kept by reference, not copied */
    public GramOmp(DMatrixRMaj gram, int s) {
        if (gram.numRows != gram.numCols) throw new IllegalArgumentException("gram must be square, got " + Checks.shape(gram));
        this.k = gram.numRows;
        Checks.positive("s", s);
        if (s > k) throw new IllegalArgumentException("s (" + s + ") must not exceed the atoms k (" + k + ")");
        this.gram = gram.data;
        this.gramF = io.github.cospadi.internal.DenseOps.toFloat(gram.data);
        this.s = s;
        this.workspace = new OmpCoder.Workspace(k, s, ops.lanes());
        this.correlations = new float[k];
    }

    /**
     * Codes the target whose correlations with the atoms are {@code dty} (Dᵀy, length k); writes its s entries,
     * sorted by atom, to rows/values at {@code off}.
     */
    public void code(double[] dty, int[] rows, float[] values, int off) {
        if (dty.length != k) throw new IllegalArgumentException("dty has length " + dty.length + ", expected k=" + k);
        for (int i = 0; i < k; i++) correlations[i] = (float) dty[i];
        OmpCoder.codeColumn(gram, gramF, k, correlations, 0, s, workspace, ops);
        workspace.emit(rows, values, off);
    }

    /**
     * ‖D·c − y‖² − ‖y‖² for the code c in rows/values at {@code off} (s entries) and the target's correlations
     * {@code dty} = Dᵀy: what a coder compares to keep the better of two codes.
     */
    public double residualChange(double[] dty, int[] rows, float[] values, int off) {
        return CodingProblem.residual(gram, k, a -> dty[a], 0, rows, values, off, s);
    }
}
