package io.github.cospadi.coding;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import io.github.cospadi.example.ThresholdLeastSquaresCoder;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The contract every {@link SparseCoder} keeps, checked on many seeded random problems for each coder — the library's
 * and one written in the test tree on the public seam ({@link ThresholdLeastSquaresCoder}): exactly s entries per
 * column with valid, increasing atoms and finite values; a warm start never fits any column worse; the same bits for
 * one and two threads; no input modified; s = 1 and s = k work. Messages name the coder and the seed.
 */
class SparseCoderContractTest {

    static List<SparseCoder> coders() {
        return List.of(SparseCoder.omp(), ReferenceOmpCoder.INSTANCE, SparseCoder.iht(), SparseCoder.iht(2),
                SparseCoder.refresh(2), new ThresholdLeastSquaresCoder());
    }

    static Stream<Arguments> cases() {
        return coders().stream().flatMap(c -> LongStream.range(0, 10).mapToObj(seed -> Arguments.of(c, seed)));
    }

    /** A random problem: sometimes unnormalized, sometimes with a duplicate and a zero atom; 3 or more column blocks. */
    private record Problem(FMatrixRMaj d, FMatrixRMaj y, int s, ColumnSparseMatrix warm) {}

    private static Problem problem(long seed, int s) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 4 + random.nextInt(24), k = 2 + random.nextInt(32), n = 65 + random.nextInt(16);
        final FMatrixRMaj d = seed % 3 == 0 ? TestData.gaussian(m, k, random) : SparseCoderTest.dictionary(m, k, random);
        if (seed % 4 == 1 && k >= 3) {
            for (int r = 0; r < m; r++) {
                d.set(r, 1, d.get(r, 0)); // a duplicate atom
                d.set(r, k - 1, 0f);      // a zero atom
            }
        }
        final FMatrixRMaj y = TestData.gaussian(m, n, random);
        final int sparsity = s > 0 ? Math.min(s, k) : 1 + random.nextInt(k);
        // a warm start that is good for some columns and poor for others: random supports, some with least-squares values
        final ColumnSparseMatrix ls = SparseCoder.iht(1).encode(d, y, sparsity, null, Parallelism.sequential());
        final int[] rows = ls.rowIndices().clone();
        final float[] values = ls.values().clone();
        for (int j = 0; j < n; j += 2) {
            final int[] support = random.ints(0, k).distinct().limit(sparsity).sorted().toArray();
            for (int t = 0; t < sparsity; t++) {
                rows[j * sparsity + t] = support[t];
                values[j * sparsity + t] = (float) (0.3 * TestData.gaussian(random));
            }
        }
        return new Problem(d, y, sparsity, new ColumnSparseMatrix(k, n, sparsity, rows, values));
    }

    private static void assertValid(ColumnSparseMatrix codes, Problem p, String what) {
        assertEquals(p.d().numCols, codes.numRows(), what);
        assertEquals(p.y().numCols, codes.numCols(), what);
        assertEquals(p.s(), codes.nonzerosPerColumn(), what);
        // the constructor checked that every column's atoms are strictly increasing and in [0, k)
        for (float v : codes.values()) assertTrue(Float.isFinite(v), what + ": a non-finite value");
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void exactlySValidEntriesPerColumnAndNoInputModified(SparseCoder coder, long seed) {
        final Problem p = problem(seed, 0);
        final FMatrixRMaj d = p.d().copy(), y = p.y().copy();
        final int[] warmRows = p.warm().rowIndices().clone();
        final float[] warmValues = p.warm().values().clone();
        for (ColumnSparseMatrix warm : new ColumnSparseMatrix[]{null, p.warm()}) {
            assertValid(coder.encode(p.d(), p.y(), p.s(), warm, Parallelism.sequential()), p, coder.name() + " seed " + seed);
        }
        assertArrayEquals(d.data, p.d().data, coder.name() + " seed " + seed + ": dictionary modified");
        assertArrayEquals(y.data, p.y().data, coder.name() + " seed " + seed + ": targets modified");
        assertArrayEquals(warmRows, p.warm().rowIndices(), coder.name() + " seed " + seed + ": warm start modified");
        assertArrayEquals(warmValues, p.warm().values(), coder.name() + " seed " + seed + ": warm start modified");
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void aWarmStartNeverFitsAnyColumnWorse(SparseCoder coder, long seed) {
        final Problem p = problem(seed, 0);
        final double[] before = SparseCoderTest.residuals(p.d(), p.y(), p.warm());
        final double[] after = SparseCoderTest.residuals(p.d(), p.y(), coder.encode(p.d(), p.y(), p.s(), p.warm(), Parallelism.sequential()));
        for (int j = 0; j < before.length; j++) {
            // the coders compare residuals from Γ and Dᵀy (float products): equal up to their rounding
            assertTrue(after[j] <= before[j] * (1 + 1e-4) + 1e-5,
                    coder.name() + " seed " + seed + " column " + j + ": " + after[j] + " > " + before[j]);
        }
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void theSameBitsForOneAndTwoThreads(SparseCoder coder, long seed) {
        final Problem p = problem(seed, 0);
        for (ColumnSparseMatrix warm : new ColumnSparseMatrix[]{null, p.warm()}) {
            final ColumnSparseMatrix one = coder.encode(p.d(), p.y(), p.s(), warm, Parallelism.sequential());
            final ColumnSparseMatrix two = coder.encode(p.d(), p.y(), p.s(), warm, Parallelism.threads(2));
            assertArrayEquals(one.rowIndices(), two.rowIndices(), coder.name() + " seed " + seed);
            assertArrayEquals(one.values(), two.values(), coder.name() + " seed " + seed);
        }
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void oneEntryAndEveryAtom(SparseCoder coder, long seed) {
        for (int s : new int[]{1, Integer.MAX_VALUE}) {
            final Problem p = problem(seed, s);
            final String what = coder.name() + " seed " + seed + " s=" + p.s();
            assertValid(coder.encode(p.d(), p.y(), p.s(), null, Parallelism.sequential()), p, what);
            final ColumnSparseMatrix warm = coder.encode(p.d(), p.y(), p.s(), p.warm(), Parallelism.threads(2));
            assertValid(warm, p, what);
            final double[] before = SparseCoderTest.residuals(p.d(), p.y(), p.warm()), after = SparseCoderTest.residuals(p.d(), p.y(), warm);
            for (int j = 0; j < before.length; j++) {
                assertTrue(after[j] <= before[j] * (1 + 1e-4) + 1e-5, what + " column " + j);
            }
        }
    }

    /** The driver turns a coder's invalid output into a clear exception, not a silently wrong code. */
    @Test
    void anInvalidCodeIsRejectedByTheDriver() {
        final Problem p = problem(3, 2);
        final SparseCoder repeats = new SparseCoder() {
            @Override
            public String name() {
                return "repeats";
            }

            @Override
            public Supplier<ColumnCoder> prepare(CodingProblem problem) {
                return () -> (j, rows, values) -> {
                    rows[j * 2] = 0;
                    rows[j * 2 + 1] = 0;
                };
            }
        };
        assertMessage(() -> repeats.encode(p.d(), p.y(), 2, null, Parallelism.sequential()), "column 0: row index 0 at slot 1");
    }
}
