package io.github.cospadi.kernel;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import io.github.cospadi.sparse.CsrMatrix;
import io.github.cospadi.sparse.Int8ColumnCodes;
import io.github.cospadi.Quantization;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/** Every operator against a double-accumulation dense oracle, on odd and prime sizes; messages name the case. */
class KernelTest {

    record Case(int in, int out, int k, int s, long seed) {
        @Override
        public String toString() {
            return "in=" + in + " out=" + out + " k=" + k + " s=" + s + " seed=" + seed;
        }
    }

    static Stream<Case> cases() {
        final int[] sizes = {1, 7, 31, 127, 257};
        final Stream.Builder<Case> b = Stream.builder();
        long seed = 0;
        for (int in : sizes) {
            for (int out : sizes) {
                final int k = Math.max(1, Math.min(out, (in + out) / 3));
                for (int s : new int[]{1, Math.max(1, k / 2), k}) b.add(new Case(in, out, k, s, seed++));
            }
        }
        return b.build();
    }

    /** Y = X·Wᵀ in double. */
    static double[] oracle(FMatrixRMaj w, FMatrixRMaj x) {
        final double[] y = new double[x.numRows * w.numRows];
        for (int p = 0; p < x.numRows; p++) {
            for (int j = 0; j < w.numRows; j++) {
                double v = 0;
                for (int i = 0; i < w.numCols; i++) v += (double) x.get(p, i) * w.get(j, i);
                y[p * w.numRows + j] = v;
            }
        }
        return y;
    }

    static void assertClose(double[] expected, float[] actual, double scale, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * scale + 1e-5 * Math.abs(expected[i]), what + " at " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void compressedDenseAndLowRankOperatorsMatchTheOracle(Case c) {
        final SplittableRandom random = new SplittableRandom(c.seed);
        final FMatrixRMaj d = TestData.gaussian(c.in, c.k, random);
        final ColumnSparseMatrix codes = ColumnSparseMatrix.random(c.k, c.out, c.s, random);
        final CompressedMatrix cm = new CompressedMatrix(d, codes, null);
        final FMatrixRMaj w = cm.reconstruct(); // (out x in)
        final FMatrixRMaj x = TestData.gaussian(5, c.in, random);
        final double[] expected = oracle(w, x);
        final double scale = Math.sqrt(c.in * c.s) + 1;
        final FMatrixRMaj u = TestData.gaussian(c.out, c.k, random), v = TestData.gaussian(c.k, c.in, random);
        final FMatrixRMaj uv = new FMatrixRMaj(c.out, c.in);
        org.ejml.dense.row.CommonOps_FDRM.mult(u, v, uv);
        final double[] expectedLowRank = oracle(uv, x);
        final LinearOperator[] ops = {CompressedLinear.of(cm), new DenseLinear(w), new LowRankLinear(u, v)};
        for (LinearOperator op : ops) {
            final double[] want = op instanceof LowRankLinear ? expectedLowRank : expected;
            for (Parallelism par : new Parallelism[]{Parallelism.sequential(), Parallelism.threads(2)}) {
                final String what = op.getClass().getSimpleName() + " " + c + " threads=" + par.threads();
                assertClose(want, op.multiply(x, par).data, scale, what + " batch");
                final float[] first = java.util.Arrays.copyOf(x.data, c.in);
                final float[] y = op.multiply(first, null, par);
                assertClose(java.util.Arrays.copyOf(want, c.out), y, scale, what + " gemv");
            }
            // batch 1 equals GEMV, and thread counts agree bit for bit
            final float[] x0 = java.util.Arrays.copyOf(x.data, c.in);
            assertArrayEquals(op.multiply(x0, null, Parallelism.sequential()), op.multiply(x0, null, Parallelism.threads(2)), c.toString());
        }
    }

    /**
     * OUTPUT-orientation layers (Ŵ = D·S, D out × k, S k × in): the float layer against the oracle of the reconstruction,
     * the int8 layer against the oracle of its dequantized factors; GEMV and batch, 1 and 2 threads (bit-identical).
     */
    @ParameterizedTest
    @MethodSource("cases")
    void outputOrientationLayersMatchTheOracle(Case c) {
        final SplittableRandom random = new SplittableRandom(c.seed + 2000);
        final int k = Math.max(1, Math.min(c.in, c.k)), s = Math.min(c.s, k);
        final FMatrixRMaj d = TestData.gaussian(c.out, k, random);
        final ColumnSparseMatrix codes = ColumnSparseMatrix.random(k, c.in, s, random);
        final CompressedMatrix cm = new CompressedMatrix(io.github.cospadi.common.Orientation.OUTPUT, d, codes, null);
        final FMatrixRMaj x = TestData.gaussian(9, c.in, random);
        final double scale = Math.sqrt(c.in * s) + 1;
        for (CompressedLinear.CodePrecision precision : CompressedLinear.CodePrecision.values()) {
            final LinearOperator op = LinearOperator.of(cm, precision);
            assertTrue(op instanceof OutputCompressedLinear, c.toString());
            final CompressedMatrix factors = precision == CompressedLinear.CodePrecision.INT8 ? Quantization.int8Codes(cm) : cm;
            final double[] expected = oracle(factors.reconstruct(), x);
            for (Parallelism par : new Parallelism[]{Parallelism.sequential(), Parallelism.threads(2)}) {
                final String what = "output " + precision + " " + c + " threads=" + par.threads();
                assertClose(expected, op.multiply(x, par).data, scale, what + " batch");
                final float[] y = op.multiply(java.util.Arrays.copyOf(x.data, c.in), null, par);
                assertClose(java.util.Arrays.copyOf(expected, c.out), y, scale, what + " gemv");
            }
            final float[] x0 = java.util.Arrays.copyOf(x.data, c.in);
            assertArrayEquals(op.multiply(x0, null, Parallelism.sequential()), op.multiply(x0, null, Parallelism.threads(2)), c.toString());
            final long codeBytes = precision == CompressedLinear.CodePrecision.INT8 ? (long) ((k + 63) / 64) * 64 * c.in + 4L * c.in
                    : 8L * c.in * s;
            assertEquals(4L * c.out * k + codeBytes, op.weightBytes(), c.toString());
        }
        assertMessage(() -> CompressedLinear.of(cm), "use LinearOperator.of");
        assertMessage(() -> new OutputCompressedLinear(new CompressedMatrix(d, ColumnSparseMatrix.random(k, c.out, s, random), null),
                CompressedLinear.CodePrecision.F32), "needs the OUTPUT orientation");
    }

    /** The int8 layer computes the exact product of D and the dequantized codes; its error against the float layer is the quantization's. */
    @ParameterizedTest
    @MethodSource("cases")
    void int8CodesLayerEqualsTheFloatLayerOfItsDequantizedCodes(Case c) {
        final SplittableRandom random = new SplittableRandom(c.seed + 1000);
        final FMatrixRMaj d = TestData.gaussian(c.in, c.k, random);
        final ColumnSparseMatrix codes = ColumnSparseMatrix.random(c.k, c.out, c.s, random);
        final CompressedLinear int8 = new CompressedLinear(d, codes, CompressedLinear.CodePrecision.INT8);
        assertEquals(CompressedLinear.CodePrecision.INT8, int8.codePrecision());
        final CompressedMatrix quantized = Quantization.int8Codes(new CompressedMatrix(d, codes, null));
        final FMatrixRMaj w = quantized.reconstruct();
        final FMatrixRMaj x = TestData.gaussian(9, c.in, random); // two groups of four batch rows and one more
        final double[] expected = oracle(w, x);
        final double scale = Math.sqrt(c.in * c.s) + 1;
        for (Parallelism par : new Parallelism[]{Parallelism.sequential(), Parallelism.threads(2)}) {
            final String what = "int8 " + c + " threads=" + par.threads();
            assertClose(expected, int8.multiply(x, par).data, scale, what + " batch");
            final float[] y = int8.multiply(java.util.Arrays.copyOf(x.data, c.in), null, par);
            assertClose(java.util.Arrays.copyOf(expected, c.out), y, scale, what + " gemv");
        }
        final float[] x0 = java.util.Arrays.copyOf(x.data, c.in);
        assertArrayEquals(int8.multiply(x0, null, Parallelism.sequential()), int8.multiply(x0, null, Parallelism.threads(2)), c.toString());
        // quantization: each entry of the balanced codes within half a step of its column's scale; balancing is exact
        final CompressedMatrix balanced = Quantization.balanceAtoms(new CompressedMatrix(d, codes, null));
        final Int8ColumnCodes q = Int8ColumnCodes.of(balanced.codes());
        for (int t = 0; t < codes.values().length; t++) {
            final float step = q.scales()[t / c.s];
            assertEquals(balanced.codes().values()[t], quantized.codes().values()[t], 0.5f * step * (1 + 1e-5f) + 1e-30f, c + " entry " + t);
        }
        final double[] original = oracle(new CompressedMatrix(d, codes, null).reconstruct(), x), rebalanced = oracle(balanced.reconstruct(), x);
        for (int i = 0; i < original.length; i++) assertEquals(original[i], rebalanced[i], 1e-5 * scale, c + " balancing changes the product at " + i);
        final long tiles = (long) ((c.out + 63) / 64) * 64;
        assertEquals(4L * c.in * int8.activeAtoms() + tiles * int8.activeAtoms() + 4 * tiles, int8.weightBytes(), c.toString());
    }

    @Test
    void int8CodesOfAnAllZeroColumnAreZeroAndNonFiniteCodesAreRejected() {
        final ColumnSparseMatrix zero = new ColumnSparseMatrix(3, 2, 1, new int[]{0, 2}, new float[]{0f, 5f});
        final Int8ColumnCodes q = Int8ColumnCodes.of(zero);
        assertEquals(0f, q.scales()[0]);
        assertArrayEquals(new float[]{0f, 5f}, q.dequantize().values());
        final ColumnSparseMatrix bad = new ColumnSparseMatrix(3, 2, 1, new int[]{0, 2}, new float[]{1f, Float.NaN});
        assertMessage(() -> Int8ColumnCodes.of(bad), "codes column 1 has a non-finite value");
        assertMessage(() -> Int8ColumnCodes.of(3, 2, 1, new int[]{0, 2}, new byte[]{1, -128}, new float[]{1f, 1f}), "entry 1 is -128");
        assertMessage(() -> Int8ColumnCodes.of(3, 2, 1, new int[]{0, 2}, new byte[]{1, 2}, new float[]{1f, -1f}), "column 1 has scale -1.0");
        assertMessage(() -> Int8ColumnCodes.of(3, 2, 1, new int[]{0, 3}, new byte[]{1, 2}, new float[]{1f, 1f}), "row index 3");
        final Int8ColumnCodes given = Int8ColumnCodes.of(3, 2, 1, new int[]{0, 2}, new byte[]{4, -2}, new float[]{0.5f, 0.25f});
        assertArrayEquals(new float[]{2f, -0.5f}, given.dequantize().values());
        final CompressedLinear layer = new CompressedLinear(TestData.gaussian(4, 3, new SplittableRandom(1)), given);
        assertEquals(CompressedLinear.CodePrecision.INT8, layer.codePrecision());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void sparseFormatsRoundTrip(Case c) {
        final SplittableRandom random = new SplittableRandom(c.seed);
        final ColumnSparseMatrix codes = ColumnSparseMatrix.random(c.k, c.out, c.s, random);
        final CsrMatrix csr = CsrMatrix.of(codes);
        assertArrayEquals(codes.toDense().data, csr.toDense().data, c.toString());
        final ColumnSparseMatrix back = csr.toColumnSparse();
        assertArrayEquals(codes.rowIndices(), back.rowIndices(), c.toString());
        assertArrayEquals(codes.values(), back.values(), c.toString());
        final CsrMatrix viaCsc = CsrMatrix.fromCsc(csr.toCsc());
        assertArrayEquals(csr.toDense().data, viaCsc.toDense().data, c.toString());
        assertArrayEquals(codes.toDense().data, ColumnSparseMatrix.fromDense(codes.toDense(), c.s).toDense().data, c.toString());
        final ColumnSparseMatrix viaColumnCsc = ColumnSparseMatrix.fromCsc(codes.toCsc(), c.s);
        assertArrayEquals(codes.rowIndices(), viaColumnCsc.rowIndices(), c.toString());
        assertArrayEquals(codes.values(), viaColumnCsc.values(), c.toString());
    }

    @Test
    void csrInvariantsAreCheckedWithClearMessages() {
        assertMessage(() -> new CsrMatrix(2, 3, new int[]{0, 1}, new int[]{0}, new float[]{1}), "rowPointers.length must be numRows+1 = 3, got 2");
        assertMessage(() -> new CsrMatrix(1, 3, new int[]{0, 2}, new int[]{2, 1}, new float[]{1, 2}), "row 0: column index 1 must be in (2, 3)");
        assertMessage(() -> new CsrMatrix(1, 3, new int[]{0, 1}, new int[]{3}, new float[]{1}), "column index 3 must be in (-1, 3)");
        assertMessage(() -> new CsrMatrix(2, 3, new int[]{0, 2, 1}, new int[]{0}, new float[]{1}), "rowPointers must not decrease: rowPointers[2]=1 < rowPointers[1]=2");
        assertMessage(() -> new CsrMatrix(2, 3, new int[]{0, 1, 2}, new int[]{0}, new float[]{1}), "rowPointers[numRows] must equal the number of values 1");
        assertMessage(() -> new CsrMatrix(1, 3, new int[]{0, 1}, new int[]{0, 1}, new float[]{1}), "differ in length");
        assertMessage(() -> new DenseLinear(new FMatrixRMaj(3, 4)).multiply(new float[5], null, Parallelism.sequential()), "x has length 5, expected inFeatures=4");
        final org.ejml.data.DMatrixSparseCSC csc = new org.ejml.data.DMatrixSparseCSC(3, 2, 3);
        csc.set(2, 0, 1.5);
        csc.set(0, 0, -2);
        csc.set(1, 1, 3);
        final ColumnSparseMatrix fromCsc = ColumnSparseMatrix.fromCsc(csc, 2);
        assertArrayEquals(new int[]{0, 2, 0, 1}, fromCsc.rowIndices(), "padded with an explicit zero at the lowest free row");
        assertArrayEquals(new float[]{-2f, 1.5f, 0f, 3f}, fromCsc.values());
        assertMessage(() -> ColumnSparseMatrix.fromCsc(csc, 1), "column 0 of csc stores 2 entries, more than s=1");
        csc.set(1, 1, 1e300);
        assertMessage(() -> ColumnSparseMatrix.fromCsc(csc, 2), "csc entry (1, 1) = 1.0E300 is not finite in float");
    }
}
