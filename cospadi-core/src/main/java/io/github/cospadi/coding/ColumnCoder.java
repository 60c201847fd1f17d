package io.github.cospadi.coding;

/**
 * Codes the columns of one {@link CodingProblem} on one thread: a {@link SparseCoder}'s strategy, handed out by its
 * {@link SparseCoder#prepare} once per block of columns, so it may keep workspace between columns (not thread-safe).
 */
@FunctionalInterface
public interface ColumnCoder {

    /**
     * Codes column j: writes exactly s entries, atoms strictly increasing in [0, k), to the slots
     * [j·s, (j+1)·s) of {@code rows} and {@code values} (the output of the whole pass; other slots are not touched).
     */
    void code(int column, int[] rows, float[] values);

    /**
     * Codes the columns [from, to) — one block of {@link SparseCoder#blockColumns()} columns, whose boundaries do not
     * depend on the thread count. The default codes them one by one; a coder that works on a block at once (one GEMM
     * for the block's gradients) overrides it.
     */
    default void codeBlock(int from, int to, int[] rows, float[] values) {
        for (int j = from; j < to; j++) code(j, rows, values);
    }
}
