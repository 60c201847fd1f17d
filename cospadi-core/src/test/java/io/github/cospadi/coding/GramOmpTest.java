package io.github.cospadi.coding;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import io.github.cospadi.internal.DenseOps;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/** {@link GramOmp}, one target at a time, against the batch {@link OmpCoder} whose column step it runs. */
class GramOmpTest {
    static LongStream seeds() {
        return LongStream.range(0, 16);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void codesEachTargetAsTheBatchReferenceDoes(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 5 + random.nextInt(30), k = 2 + random.nextInt(40), n = 1 + random.nextInt(6), s = 1 + random.nextInt(k);
        final FMatrixRMaj d = TestData.gaussian(m, k, random);
        final FMatrixRMaj y = TestData.gaussian(m, n, random);
        final ColumnSparseMatrix batch = OmpCoder.INSTANCE.encode(d, y, s, null, Parallelism.sequential());
        final DMatrixRMaj gram = DenseOps.gram(d, Parallelism.sequential());
        final FMatrixRMaj correlations = DenseOps.multTransA(d, y, Parallelism.sequential());
        final GramOmp omp = new GramOmp(gram, s);
        final int[] rows = new int[s];
        final float[] values = new float[s];
        for (int j = 0; j < n; j++) {
            final double[] dty = new double[k];
            for (int a = 0; a < k; a++) dty[a] = correlations.get(a, j); // the batch coder's float correlations
            omp.code(dty, rows, values, 0);
            for (int t = 0; t < s; t++) {
                assertEquals(batch.rowIndices()[j * s + t], rows[t], "seed " + seed + " column " + j + " entry " + t);
                assertEquals(batch.values()[j * s + t], values[t], 0f, "seed " + seed + " column " + j);
            }
        }
        assertMessage(() -> omp.code(new double[k + 1], rows, values, 0), "expected k=" + k);
        assertMessage(() -> new GramOmp(gram, k + 1), "must not exceed the atoms");
        assertMessage(() -> new GramOmp(new DMatrixRMaj(2, 3), 1), "square");
    }
}
