package io.github.cospadi;

import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.kernel.CompressedLinear;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.stream.LongStream;

import static io.github.cospadi.TestData.assertMessage;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Shared dictionaries across weights (docs/design.md §5.8): the group budget, a group of one, grouped against per-layer
 * CoSpaDi on planted data, Basis Sharing against a direct SVD of the whitened concatenation, its refit, and the
 * members' run-time layers. Messages name the seed.
 */
class GroupedCompressionTest {

    static LongStream seeds() {
        return LongStream.range(0, 6);
    }

    /** m members of one d1 with their own Grams (different activations), d2 drawn per member. */
    private record Group(List<FMatrixRMaj> weights, List<CalibrationStats> grams) {}

    private static Group group(SplittableRandom random, int members, int d1) {
        final List<FMatrixRMaj> w = new ArrayList<>();
        final List<CalibrationStats> g = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            w.add(TestData.gaussian(8 + random.nextInt(24), d1, random));
            g.add(CalibrationStats.of(TestData.activations(3 * d1, d1, random)));
        }
        return new Group(w, g);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theGroupBudgetCountsTheSharedDictionaryOnce(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int m = 2 + random.nextInt(3), d1 = 16 + random.nextInt(24);
        final Group g = group(random, m, d1);
        final double gamma = 0.2 + 0.1 * random.nextInt(3);
        long columns = 0;
        for (FMatrixRMaj w : g.weights()) columns += w.numRows;
        for (Method method : new Method[]{Method.COSPADI, Method.BASIS_SHARING}) {
            final CompressedGroup c = Compressor.builder().method(method).ratio(gamma).iterations(3).build()
                    .compressGroup(g.weights(), g.grams());
            // by hand: the dictionary once, s (or r) per coded column of every member
            final int k, s;
            if (method == Method.COSPADI) {
                k = (int) Math.floor((1 - gamma) * d1 * columns / (d1 + columns / 2.0));
                s = k / 2;
            } else {
                k = (int) Math.floor((1 - gamma) * d1 * columns / (d1 + (double) columns));
                s = k;
            }
            final long stored = (long) d1 * k + (long) s * columns;
            assertEquals(k, c.budget().atoms(), "seed " + seed + " " + method);
            assertEquals(s, c.budget().nonzerosPerColumn(), "seed " + seed + " " + method);
            assertEquals(stored, c.storedValues(), "seed " + seed + " " + method);
            assertEquals(d1 * columns, c.denseValues(), "seed " + seed + " " + method);
            assertEquals(1 - (double) stored / (d1 * columns), c.effectiveRatio(), 1e-12, "seed " + seed + " " + method);
            assertTrue(c.effectiveRatio() >= gamma - 1e-12, "seed " + seed + ": the target is met, " + c.effectiveRatio());
            // one more atom (and its share of codes) would break the target
            final double more = (double) d1 * (k + 1) + (method == Method.COSPADI ? (k + 1) / 2.0 : k + 1) * columns;
            assertTrue(more > (1 - gamma) * d1 * columns, "seed " + seed + ": k is the largest that fits");
            for (CompressedMatrix member : c.members()) {
                assertSame(c.dictionaryView(), member.dictionaryView(), "seed " + seed + ": one dictionary object");
                assertEquals(c.effectiveRatio(), member.report().effectiveRatio(), 0, "seed " + seed);
            }
        }
        // equal d2: the k = floor((1-γ)·d1·d2·m / (d1 + d2·m/ρ)) and Basis Sharing's compute_num_basis
        final int d2 = 20;
        final Budget cospadi = Compressor.builder().ratio(0.3).build().budget(d2 * m, d1);
        assertEquals((int) Math.floor(0.7 * d1 * d2 * m / (d1 + d2 * m / 2.0)), cospadi.atoms(), "seed " + seed);
        final Budget shared = Compressor.builder().method(Method.BASIS_SHARING).ratio(0.3).build().budget(d2 * m, d1);
        assertEquals((int) Math.floor(m * d1 * d2 * 0.7 / (d1 + m * d2)), shared.atoms(), "seed " + seed);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aGroupOfOneIsThePerMatrixCompressionBitForBit(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Group g = group(random, 1, 12 + random.nextInt(20));
        for (Compressor.Builder b : List.of(Compressor.builder().ratio(0.3).iterations(4),
                Compressor.builder().ratio(0.3).iterations(4).fast().orientation(Orientation.AUTO),
                Compressor.builder().ratio(0.3).orientation(Orientation.OUTPUT).iterations(3),
                Compressor.builder().method(Method.BASIS_SHARING).ratio(0.3).refitCoefficients(true))) {
            final Compressor compressor = b.seed(seed).build();
            final CompressedMatrix single = compressor.compress(g.weights().get(0), g.grams().get(0));
            final CompressedGroup group = compressor.compressGroup(g.weights(), g.grams());
            final CompressedMatrix member = group.member(0);
            assertEquals(single.orientation(), member.orientation(), "seed " + seed);
            assertArrayEquals(single.dictionaryView().data, member.dictionaryView().data, "seed " + seed + " " + compressor);
            assertArrayEquals(single.codes().rowIndices(), member.codes().rowIndices(), "seed " + seed + " " + compressor);
            assertArrayEquals(single.codes().values(), member.codes().values(), "seed " + seed + " " + compressor);
            assertEquals(single.report().functionalError(), member.report().functionalError(), 0, "seed " + seed);
        }
    }

    /**
     * Two members whose rows are sparse combinations of one set of planted atoms, with different Grams: with one
     * dictionary for both and no more storage than two per-layer compressions, the grouped errors are lower.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void onASharedUnionOfSubspacesGroupedBeatsPerLayerAtEqualStorage(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d1 = 40, d2 = 60, planted = 22;
        final FMatrixRMaj atoms = new FMatrixRMaj(d1, planted);
        final FMatrixRMaj w1 = TestData.unionOfSubspaces(d1, d2, planted, 3, random, atoms);
        final FMatrixRMaj w2 = new FMatrixRMaj(d2, d1);
        for (int j = 0; j < d2; j++) {
            for (int t = 0; t < 3; t++) {
                final int a = random.nextInt(planted);
                final double coef = (random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble());
                for (int r = 0; r < d1; r++) w2.data[j * d1 + r] += (float) (coef * atoms.get(r, a));
            }
        }
        final List<CalibrationStats> grams = List.of(CalibrationStats.of(TestData.activations(4 * d1, d1, random)),
                CalibrationStats.of(TestData.activations(4 * d1, d1, random)));
        final int kLayer = 17, sLayer = 8, kGroup = 23, sGroup = 11;
        final long perLayerStored = 2L * (d1 * kLayer + sLayer * d2);
        final Compressor grouped = Compressor.builder().atoms(kGroup).nonzerosPerColumn(sGroup).iterations(30).seed(seed).build();
        final Compressor perLayer = Compressor.builder().atoms(kLayer).nonzerosPerColumn(sLayer).iterations(30).seed(seed).build();
        final CompressedGroup g = grouped.compressGroup(List.of(w1, w2), grams);
        assertTrue(g.storedValues() <= perLayerStored, "seed " + seed + ": " + g.storedValues() + " > " + perLayerStored);
        final double e1 = perLayer.compress(w1, grams.get(0)).report().functionalError();
        final double e2 = perLayer.compress(w2, grams.get(1)).report().functionalError();
        final double g1 = g.member(0).report().functionalError(), g2 = g.member(1).report().functionalError();
        assertTrue(g1 + g2 < 0.9 * (e1 + e2), "seed " + seed + ": grouped " + g1 + " + " + g2 + " against per-layer " + e1 + " + " + e2);
        // each member's reported error is under its own Gram
        assertEquals(g1, g.member(0).functionalError(w1, grams.get(0), Parallelism.sequential()), 1e-4 * (1 + g1), "seed " + seed);
        assertEquals(g2, g.member(1).functionalError(w2, grams.get(1), Parallelism.sequential()), 1e-4 * (1 + g2), "seed " + seed);
    }

    /** Ŵ_iᵀ of the oracle: L⁻¹·U_r·U_rᵀ·L·W_iᵀ with LᵀL = Σ G_i (EJML Cholesky and SVD, double). */
    private static List<DMatrixRMaj> directBasisSharing(List<FMatrixRMaj> weights, List<CalibrationStats> grams, int r) {
        final int d1 = weights.get(0).numCols;
        final DMatrixRMaj g = new DMatrixRMaj(d1, d1);
        for (CalibrationStats s : grams) CommonOps_DDRM.addEquals(g, s.gramView());
        final CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(d1, true);
        assertTrue(chol.decompose(g.copy()));
        final DMatrixRMaj lower = chol.getT(null), upper = new DMatrixRMaj(d1, d1);
        CommonOps_DDRM.transpose(lower, upper); // L = Cᵀ, LᵀL = G
        int columns = 0;
        for (FMatrixRMaj w : weights) columns += w.numRows;
        final DMatrixRMaj wcat = new DMatrixRMaj(d1, columns);
        int off = 0;
        for (FMatrixRMaj w : weights) {
            for (int j = 0; j < w.numRows; j++) for (int p = 0; p < d1; p++) wcat.set(p, off + j, w.get(j, p));
            off += w.numRows;
        }
        final DMatrixRMaj wl = new DMatrixRMaj(d1, columns);
        CommonOps_DDRM.mult(upper, wcat, wl);
        final SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(d1, columns, true, false, true);
        assertTrue(svd.decompose(wl.copy()));
        final DMatrixRMaj u = svd.getU(null, false), sv = svd.getW(null);
        SingularOps_DDRM.descendingOrder(u, false, sv, null, false);
        final DMatrixRMaj ur = CommonOps_DDRM.extract(u, 0, d1, 0, r);
        final DMatrixRMaj proj = new DMatrixRMaj(r, columns), approx = new DMatrixRMaj(d1, columns), back = new DMatrixRMaj(d1, columns);
        CommonOps_DDRM.multTransA(ur, wl, proj);
        CommonOps_DDRM.mult(ur, proj, approx);
        assertTrue(CommonOps_DDRM.solve(upper, approx, back));
        final List<DMatrixRMaj> out = new ArrayList<>();
        off = 0;
        for (FMatrixRMaj w : weights) {
            out.add(CommonOps_DDRM.extract(back, 0, d1, off, off + w.numRows));
            off += w.numRows;
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void basisSharingIsTheTruncatedSvdOfTheWhitenedConcatenation(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Group g = group(random, 2 + random.nextInt(2), 10 + random.nextInt(20));
        final CompressedGroup c = Compressor.builder().method(Method.BASIS_SHARING).ratio(0.3).build()
                .compressGroup(g.weights(), g.grams());
        final int r = c.budget().atoms();
        final List<DMatrixRMaj> expected = directBasisSharing(g.weights(), g.grams(), r);
        for (int i = 0; i < c.size(); i++) {
            final FMatrixRMaj got = c.member(i).reconstruct(); // d2 × d1
            final DMatrixRMaj want = expected.get(i);          // d1 × d2
            double diff = 0, norm = 0;
            for (int j = 0; j < got.numRows; j++) {
                for (int p = 0; p < got.numCols; p++) {
                    final double e = want.get(p, j);
                    diff += (got.get(j, p) - e) * (got.get(j, p) - e);
                    norm += e * e;
                }
            }
            assertTrue(Math.sqrt(diff / norm) < 2e-4, "seed " + seed + " member " + i + ": relative difference " + Math.sqrt(diff / norm));
            assertEquals(r, c.member(i).atoms(), "seed " + seed);
            assertEquals(r, c.member(i).nonzerosPerColumn(), "seed " + seed + ": dense coefficients");
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theCoefficientRefitIsEachMembersLeastSquaresUnderItsOwnGram(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Group g = group(random, 2, 10 + random.nextInt(20));
        final Compressor.Builder b = Compressor.builder().method(Method.BASIS_SHARING).ratio(0.3);
        final CompressedGroup plain = b.build().compressGroup(g.weights(), g.grams());
        final CompressedGroup refit = b.refitCoefficients(true).build().compressGroup(g.weights(), g.grams());
        assertArrayEquals(plain.dictionaryView().data, refit.dictionaryView().data, "seed " + seed + ": the basis is kept");
        for (int i = 0; i < 2; i++) {
            final double before = plain.member(i).report().functionalError(), after = refit.member(i).report().functionalError();
            assertTrue(after <= before * (1 + 1e-5) + 1e-7, "seed " + seed + " member " + i + ": " + after + " > " + before);
            // normal equations: Dᵀ·G_i·(W_iᵀ − D·C_i) = 0
            final DMatrixRMaj d = TestDataDouble.of(refit.dictionaryView());
            final FMatrixRMaj w = g.weights().get(i), approx = refit.member(i).reconstruct();
            final DMatrixRMaj delta = new DMatrixRMaj(w.numCols, w.numRows), wt = new DMatrixRMaj(w.numCols, w.numRows);
            for (int j = 0; j < w.numRows; j++) {
                for (int p = 0; p < w.numCols; p++) {
                    delta.set(p, j, (double) w.get(j, p) - approx.get(j, p));
                    wt.set(p, j, w.get(j, p));
                }
            }
            final DMatrixRMaj gd = new DMatrixRMaj(d.numRows, d.numCols), grad = new DMatrixRMaj(d.numCols, w.numRows),
                    scale = new DMatrixRMaj(d.numCols, w.numRows);
            CommonOps_DDRM.mult(g.grams().get(i).gramView(), d, gd);
            CommonOps_DDRM.multTransA(gd, delta, grad);
            CommonOps_DDRM.multTransA(gd, wt, scale);
            assertTrue(CommonOps_DDRM.elementMaxAbs(grad) < 1e-4 * CommonOps_DDRM.elementMaxAbs(scale),
                    "seed " + seed + " member " + i + ": gradient " + CommonOps_DDRM.elementMaxAbs(grad));
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void membersRunTimeLayersShareOneDictionaryAndEqualTheirReconstructions(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Group g = group(random, 3, 12 + random.nextInt(20));
        for (Method method : new Method[]{Method.COSPADI, Method.BASIS_SHARING}) {
            final CompressedGroup c = Compressor.builder().method(method).ratio(0.3).iterations(4).seed(seed).build()
                    .compressGroup(g.weights(), g.grams());
            for (CompressedLinear.CodePrecision precision : CompressedLinear.CodePrecision.values()) {
                final List<CompressedLinear> layers = CompressedLinear.group(c, precision);
                final CompressedGroup expected = precision == CompressedLinear.CodePrecision.INT8 ? Quantization.int8Codes(c) : c;
                for (int i = 0; i < c.size(); i++) {
                    assertTrue(layers.get(i).sharesDictionaryWith(layers.get(0)), "seed " + seed + ": one Dᵀ in memory");
                    final FMatrixRMaj w = expected.member(i).reconstruct();
                    final float[] x = new float[w.numCols];
                    for (int p = 0; p < x.length; p++) x[p] = (float) TestData.gaussian(random);
                    final float[] y = layers.get(i).multiply(x, null, Parallelism.sequential());
                    double scale = 0;
                    for (int j = 0; j < w.numRows; j++) {
                        double want = 0;
                        for (int p = 0; p < w.numCols; p++) want += (double) w.get(j, p) * x[p];
                        scale = Math.max(scale, Math.abs(want));
                        assertEquals(want, y[j], 1e-4 * (1 + scale), "seed " + seed + " " + method + " " + precision + " member " + i + " row " + j);
                    }
                }
                assertFalse(CompressedLinear.of(c.member(0)).sharesDictionaryWith(CompressedLinear.of(c.member(1))), "seed " + seed);
            }
        }
    }

    /** Members with one outFeatures: weights whose input channels are sparse combinations of shared output atoms. */
    private static List<FMatrixRMaj> plantedOutput(SplittableRandom random, int d2, int d1, int members, int planted) {
        final FMatrixRMaj atoms = new FMatrixRMaj(d1, planted); // reuse the planted generator: W_iᵀ rows = channels
        final List<FMatrixRMaj> out = new ArrayList<>();
        final FMatrixRMaj first = TestData.unionOfSubspaces(d2, d1, planted, 3, random, atoms);
        out.add(transpose(first));
        for (int i = 1; i < members; i++) {
            final FMatrixRMaj w = new FMatrixRMaj(d2, d1);
            for (int j = 0; j < d1; j++) {
                for (int t = 0; t < 3; t++) {
                    final int a = random.nextInt(planted);
                    final double coef = (random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble());
                    for (int r = 0; r < d2; r++) w.data[r * d1 + j] += (float) (coef * atoms.get(r, a));
                }
            }
            out.add(w);
        }
        return out;
    }

    private static FMatrixRMaj transpose(FMatrixRMaj a) {
        final FMatrixRMaj t = new FMatrixRMaj(a.numCols, a.numRows);
        for (int i = 0; i < a.numRows; i++) for (int j = 0; j < a.numCols; j++) t.set(j, i, a.get(i, j));
        return t;
    }

    /**
     * OUTPUT groups: the dictionary in the shared output space, learned under the block-diagonal Gram, so each member's
     * reported error is its own Gram's; on planted shared output atoms it beats per-layer OUTPUT at equal storage; its
     * run-time layers hold one D and equal the reconstructions; AUTO on square members keeps the better orientation.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void outputGroupsShareTheOutputSpaceUnderEachMembersOwnGram(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d2 = 40, d1 = 60, planted = 22;
        final List<FMatrixRMaj> w = plantedOutput(random, d2, d1, 2, planted);
        final List<CalibrationStats> grams = List.of(CalibrationStats.of(TestData.activations(3 * d1, d1, random)),
                CalibrationStats.of(TestData.activations(3 * d1, d1, random)));
        final CompressedGroup g = Compressor.builder().atoms(23).nonzerosPerColumn(11).orientation(Orientation.OUTPUT).iterations(20)
                .seed(seed).build().compressGroup(w, grams);
        assertEquals(Orientation.OUTPUT, g.orientation(), "seed " + seed);
        assertEquals(d2, g.dictionaryView().numRows, "seed " + seed + ": D in the output space");
        assertEquals((long) d2 * 23 + 11L * 2 * d1, g.storedValues(), "seed " + seed);
        final Compressor perLayer = Compressor.builder().atoms(17).nonzerosPerColumn(8).orientation(Orientation.OUTPUT).iterations(20)
                .seed(seed).build();
        assertTrue(g.storedValues() <= 2L * (d2 * 17 + 8 * d1), "seed " + seed);
        double grouped = 0, single = 0;
        for (int i = 0; i < 2; i++) {
            final double e = g.member(i).report().functionalError();
            assertEquals(e, g.member(i).functionalError(w.get(i), grams.get(i), Parallelism.sequential()), 1e-4 * (1 + e), "seed " + seed);
            grouped += e;
            single += perLayer.compress(w.get(i), grams.get(i)).report().functionalError();
        }
        assertTrue(grouped < 0.9 * single, "seed " + seed + ": grouped " + grouped + " against per-layer " + single);
        for (CompressedLinear.CodePrecision precision : CompressedLinear.CodePrecision.values()) {
            final List<io.github.cospadi.kernel.LinearOperator> layers = io.github.cospadi.kernel.LinearOperator.group(g, precision);
            final CompressedGroup expected = precision == CompressedLinear.CodePrecision.INT8 ? Quantization.int8Codes(g) : g;
            assertTrue(((io.github.cospadi.kernel.OutputCompressedLinear) layers.get(1))
                    .sharesDictionaryWith((io.github.cospadi.kernel.OutputCompressedLinear) layers.get(0)), "seed " + seed);
            for (int i = 0; i < 2; i++) {
                final FMatrixRMaj want = expected.member(i).reconstruct(), got = layers.get(i).toDense();
                for (int t = 0; t < want.data.length; t++) {
                    assertEquals(want.data[t], got.data[t], 1e-4 * (1 + Math.abs(want.data[t])), "seed " + seed + " " + precision + " member " + i);
                }
            }
        }
        // AUTO on square members: both orientations, the lower mean error kept
        final Group square = group(random, 2, 24);
        final List<FMatrixRMaj> sq = List.of(TestData.gaussian(24, 24, random), TestData.gaussian(24, 24, random));
        final Compressor.Builder b = Compressor.builder().ratio(0.3).iterations(3).seed(seed);
        final CompressedGroup in = b.orientation(Orientation.INPUT).build().compressGroup(sq, square.grams());
        final CompressedGroup out = b.orientation(Orientation.OUTPUT).build().compressGroup(sq, square.grams());
        final CompressedGroup auto = b.orientation(Orientation.AUTO).build().compressGroup(sq, square.grams());
        final CompressedGroup want = meanError(out) < meanError(in) ? out : in;
        assertEquals(want.orientation(), auto.orientation(), "seed " + seed);
        assertArrayEquals(want.dictionaryView().data, auto.dictionaryView().data, "seed " + seed);
        assertTrue(auto.member(0).report().phaseSeconds().containsKey("other-orientation"), "seed " + seed);
    }

    private static double meanError(CompressedGroup g) {
        double sum = 0;
        for (CompressedMatrix c : g.members()) sum += c.report().functionalError();
        return sum / g.size();
    }

    @Test
    void badGroupsAreRejectedNamingTheMember() {
        final SplittableRandom random = new SplittableRandom(7);
        final Compressor c = Compressor.builder().ratio(0.3).build();
        final FMatrixRMaj a = TestData.gaussian(10, 12, random), b = TestData.gaussian(10, 14, random);
        final CalibrationStats ga = CalibrationStats.of(TestData.activations(40, 12, random));
        final CalibrationStats gb = CalibrationStats.of(TestData.activations(40, 14, random));
        assertMessage(() -> c.compressGroup(List.of(a, b), List.of(ga, gb)), "weights[1] is 10x14");
        assertMessage(() -> c.compressGroup(List.of(a, a), List.of(ga, gb)), "calibration[1] is for inFeatures=14");
        assertMessage(() -> c.compressGroup(List.of(a, a), List.of(ga)), "1 statistics for 2 weights");
        assertMessage(() -> c.compressGroup(List.of(), List.of()), "weights is empty");
        final java.util.ArrayList<CalibrationStats> mixed = new java.util.ArrayList<>();
        mixed.add(ga);
        mixed.add(null);
        assertMessage(() -> c.compressGroup(List.of(a, a), mixed), "calibration[1] is null");
        final FMatrixRMaj bad = a.copy();
        bad.data[3] = Float.NaN;
        assertMessage(() -> c.compressGroup(List.of(a, bad), List.of(ga, ga)), "weights[1]");
        assertMessage(() -> Compressor.builder().ratio(0.3).orientation(Orientation.OUTPUT).build()
                .compressGroup(List.of(a, bad), List.of(ga, ga)), "weights[1]");
    }

    @Test
    void theListenerCancelsAGroup() {
        final SplittableRandom random = new SplittableRandom(3);
        final Group g = group(random, 2, 16);
        final Compressor c = Compressor.builder().ratio(0.3).progress(e -> e.cancel()).build();
        assertThrows(CancellationException.class, () -> c.compressGroup(g.weights(), g.grams()));
    }

    /** Float to double matrices for the oracles. */
    private static final class TestDataDouble {
        static DMatrixRMaj of(FMatrixRMaj f) {
            final DMatrixRMaj d = new DMatrixRMaj(f.numRows, f.numCols);
            for (int i = 0; i < f.data.length; i++) d.data[i] = f.data[i];
            return d;
        }
    }
}
