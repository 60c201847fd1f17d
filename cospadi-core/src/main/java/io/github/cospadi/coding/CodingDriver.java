package io.github.cospadi.coding;

import io.github.cospadi.sparse.ColumnSparseMatrix;

import java.util.function.Supplier;

/** The per-column coding driver of {@link SparseCoder#encode(CodingProblem)}. */
final class CodingDriver {
    private CodingDriver() {}

    static ColumnSparseMatrix encode(SparseCoder coder, CodingProblem problem) {
        final int k = problem.atoms(), n = problem.columns(), s = problem.nonzerosPerColumn();
        final Supplier<ColumnCoder> coders = coder.prepare(problem);
        final boolean compare = problem.warmStart() != null && !coder.keepsWarmStart();
        if (compare) problem.correlations(); // computed here, with the problem's threads, not inside a block
        final int[] rows = new int[n * s];
        final float[] values = new float[n * s];
        problem.parallelism().forEachBlock(n, coder.blockColumns(), (from, to) -> {
            coders.get().codeBlock(from, to, rows, values);
            if (compare) for (int j = from; j < to; j++) problem.keepBetter(j, rows, values);
        });
        return new ColumnSparseMatrix(k, n, s, rows, values);
    }
}
