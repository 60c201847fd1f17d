package io.github.cospadi.coding;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** The fast mixed-precision OMP against its straightforward double-precision twin. */
class OmpTwinTest {

    static LongStream seeds() {
        return LongStream.range(0, 30);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void fastOmpMatchesTheReference(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 20 + random.nextInt(60), k = 8 + random.nextInt(70), n = 1 + random.nextInt(40);
        final int s = 1 + random.nextInt(Math.min(k, m / 2));
        final FMatrixRMaj d = SparseCoderTest.dictionary(m, k, random), y = TestData.gaussian(m, n, random);
        final ColumnSparseMatrix fast = SparseCoder.omp().encode(d, y, s, null, Parallelism.sequential());
        final ColumnSparseMatrix ref = ReferenceOmpCoder.INSTANCE.encode(d, y, s, null, Parallelism.sequential());
        final double[] rf = SparseCoderTest.residuals(d, y, fast), rr = SparseCoderTest.residuals(d, y, ref);
        int sameSupport = 0;
        for (int j = 0; j < n; j++) {
            // a near-tie in the greedy choice may flip after float rounding; the residual may then differ a little
            assertEquals(rr[j], rf[j], 1e-2 * rr[j] + 1e-6, "seed " + seed + " column " + j);
            boolean same = true;
            for (int t = j * s; t < (j + 1) * s; t++) same &= fast.rowIndices()[t] == ref.rowIndices()[t];
            if (same) {
                sameSupport++;
                for (int t = j * s; t < (j + 1) * s; t++) {
                    assertEquals(ref.values()[t], fast.values()[t], 1e-3f * (1 + Math.abs(ref.values()[t])), "seed " + seed + " column " + j);
                }
            }
        }
        assertTrue(sameSupport >= 0.9 * n, "seed " + seed + ": only " + sameSupport + " of " + n + " supports agree");
    }
}
