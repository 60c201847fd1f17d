package io.github.cospadi.coding;

import io.github.cospadi.internal.Checks;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * OMP for one target at a time against a fixed dictionary Gram Γ = DᵀD, for learners whose targets depend on the
 * codes found before them (the Gauss–Seidel coding of the output-space learner, docs/design.md §5.6). The double
 * Batch-OMP of {@link ReferenceOmpCoder}: exactly s entries, least-squares values on the support. Not thread-safe
 * (one workspace); cheap to create one per thread.
 */
public final class GramOmp {
    private final double[] gram;
    private final int k, s;
    private final ReferenceOmpCoder.Workspace workspace;
    private final FMatrixRMaj correlations;

    /** @param gram Γ = DᵀD (k × k, symmetric); kept by reference, not copied */
    public GramOmp(DMatrixRMaj gram, int s) {
        if (gram.numRows != gram.numCols) throw new IllegalArgumentException("gram must be square, got " + Checks.shape(gram));
        this.k = gram.numRows;
        Checks.positive("s", s);
        if (s > k) throw new IllegalArgumentException("s (" + s + ") must not exceed the atoms k (" + k + ")");
        this.gram = gram.data;
        this.s = s;
        this.workspace = new ReferenceOmpCoder.Workspace(k, s);
        this.correlations = new FMatrixRMaj(k, 1);
    }

    /**
     * Codes the target whose correlations with the atoms are {@code dty} (Dᵀy, length k); writes its s entries,
     * sorted by atom, to rows/values at {@code off}.
     */
    public void code(double[] dty, int[] rows, float[] values, int off) {
        if (dty.length != k) throw new IllegalArgumentException("dty has length " + dty.length + ", expected k=" + k);
        for (int i = 0; i < k; i++) correlations.data[i] = (float) dty[i];
        ReferenceOmpCoder.codeColumn(gram, k, correlations, 0, s, workspace);
        workspace.emit(rows, values, off);
    }
}
