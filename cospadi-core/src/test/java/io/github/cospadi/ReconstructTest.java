package io.github.cospadi;

import io.github.cospadi.common.Orientation;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** {@link CompressedMatrix#reconstruct} (dense codes, one GEMM) against its twin, the entry-by-entry sparse sum. */
class ReconstructTest {
    static LongStream seeds() {
        return LongStream.range(0, 40);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theGemmReconstructionEqualsTheSparseSum(long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final Orientation side = r.nextBoolean() ? Orientation.INPUT : Orientation.OUTPUT;
        final int d1 = 1 + r.nextInt(70), d2 = 1 + r.nextInt(70);
        final int dictRows = side == Orientation.INPUT ? d1 : d2, columns = side == Orientation.INPUT ? d2 : d1;
        final int k = 1 + r.nextInt(40), s = 1 + r.nextInt(k); // k/s from 1 to 40: both paths of reconstruct
        final FMatrixRMaj d = TestData.gaussian(dictRows, k, r);
        final int[] rows = new int[columns * s];
        final float[] values = new float[columns * s];
        for (int j = 0; j < columns; j++) {
            final int[] perm = io.github.cospadi.internal.Randoms.permutation(k, r);
            final int[] chosen = java.util.Arrays.copyOf(perm, s);
            java.util.Arrays.sort(chosen);
            for (int t = 0; t < s; t++) {
                rows[j * s + t] = chosen[t];
                values[j * s + t] = t % 7 == 3 ? 0f : (float) (2 * r.nextDouble() - 1);
            }
        }
        final CompressedMatrix c = new CompressedMatrix(side, d, new ColumnSparseMatrix(k, columns, s, rows, values), null);
        final FMatrixRMaj fast = c.reconstruct(), twin = c.reconstructSparse();
        assertEquals(d2, fast.numRows, "seed " + seed);
        assertEquals(d1, fast.numCols, "seed " + seed);
        for (int i = 0; i < twin.data.length; i++) {
            double scale = 0;
            final int row = i / d1, col = i % d1;
            for (int t = 0; t < k; t++) scale += Math.abs(side == Orientation.INPUT ? d.get(col, t) : d.get(row, t));
            assertEquals(twin.data[i], fast.data[i], 1e-6 * (1 + scale), "seed " + seed + " " + side + " " + d2 + "x" + d1 + " k=" + k + " s=" + s + " entry " + i);
        }
    }
}
