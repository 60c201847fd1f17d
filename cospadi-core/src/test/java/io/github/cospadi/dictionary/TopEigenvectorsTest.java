package io.github.cospadi.dictionary;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.TestData;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The SVD initialization's eigenvectors (Y·Yᵀ of a rank-q Y) against EJML's: the same number of vectors (those above
 * 1e-12 of the top eigenvalue), and the same subspace as EJML's leading vectors.
 */
class TopEigenvectorsTest {
    static LongStream seeds() {
        return LongStream.range(0, 24);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void sameLeadingSubspaceAsEjml(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 1 + random.nextInt(80), q = 1 + random.nextInt(m), max = 1 + random.nextInt(m + 5);
        final double[] y = new double[m * q];
        for (int i = 0; i < y.length; i++) y[i] = TestData.gaussian(random);
        final DMatrixRMaj g = new DMatrixRMaj(m, m);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double v = 0;
                for (int p = 0; p < q; p++) v += y[i * q + p] * y[j * q + p];
                g.data[i * m + j] = v;
            }
        }
        final List<double[]> vectors = DictionaryLearner.topEigenvectors(g, max, Parallelism.sequential());
        final String where = "seed " + seed + " (m=" + m + ", rank " + q + ", max " + max + ")";
        assertEquals(Math.min(max, q), vectors.size(), where + ": vectors beyond the rank or the maximum");
        final EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m, true, true);
        assertTrue(eig.decompose(g.copy()), where);
        final Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(eig.getEigenvalue(b).real, eig.getEigenvalue(a).real));
        // every returned vector lies in the span of EJML's leading vectors (projection norm 1)
        final int c = vectors.size();
        for (int t = 0; t < c; t++) {
            double inSpan = 0;
            for (int s = 0; s < c; s++) {
                final double[] e = eig.getEigenVector(order[s]).data;
                double dot = 0, ee = 0;
                for (int i = 0; i < m; i++) {
                    dot += vectors.get(t)[i] * e[i];
                    ee += e[i] * e[i];
                }
                inSpan += dot * dot / ee;
            }
            // a subspace is well defined only with a gap after it
            final double gap = c < m ? eig.getEigenvalue(order[c - 1]).real - eig.getEigenvalue(order[c]).real : 1;
            if (gap > 1e-6 * eig.getEigenvalue(order[0]).real) assertEquals(1, inSpan, 1e-8, where + ": vector " + t);
        }
    }
}
