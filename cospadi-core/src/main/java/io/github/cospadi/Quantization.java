package io.github.cospadi;

import io.github.cospadi.sparse.ColumnSparseMatrix;
import io.github.cospadi.sparse.Int8ColumnCodes;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.internal.Half;
import org.ejml.data.FMatrixRMaj;

import java.util.List;

/**
 * The storage forms of paper.md §3, applied to a {@link CompressedMatrix} and returned dequantized (float) so their
 * error can be measured: the dictionary in bf16, the code values in bf16 with the two lowest mantissa bits truncated
 * (14 bits, which pays for the k × d2 bitmask at ρ = 2), and int8 codes with one scale per column.
 */
public final class Quantization {
    private Quantization() {}

    /** D rounded to bf16 and every code value rounded to bf16 then truncated to {@code bits} (9..16) bits. */
    public static CompressedMatrix paperCompact(CompressedMatrix c, int bits) {
        if (bits < 9 || bits > 16) throw new IllegalArgumentException("bits must be in [9, 16] (sign, 8 exponent bits, mantissa), got " + bits);
        final int mask = 0xffff & ~((1 << (16 - bits)) - 1);
        final float[] values = c.codes().values().clone();
        for (int i = 0; i < values.length; i++) values[i] = Half.bf16ToFloat(Half.floatToBf16(values[i]) & mask);
        return c.withFactors(bf16(c.dictionaryView()), withValues(c.codes(), values));
    }

    /**
     * D kept in float, codes as int8 with one scale per column ({@link Int8ColumnCodes}), after {@link #balanceAtoms}:
     * returned as the balanced dictionary and the dequantized codes.
     */
    public static CompressedMatrix int8Codes(CompressedMatrix c) {
        final CompressedMatrix balanced = balanceAtoms(c);
        return c.withFactors(balanced.dictionaryView(), Int8ColumnCodes.of(balanced.codes()).dequantize());
    }

    /**
     * The same product D·S written as (D·diag(r))·(diag(r)⁻¹·S) with r_a the root mean square of atom a's stored code
     * values (1 for an atom with none or all zero): every atom's codes then have unit RMS, so one scale per column
     * quantizes them evenly. Without it a column's scale is set by its largest (usually first-chosen) atom and the rest
     * get few levels; on the tiny Llama at γ = 0.3 this cuts the int8 codes' added functional error from 2.4 % to 0.65 %
     * (docs/benchmarks.md §7).
     */
    public static CompressedMatrix balanceAtoms(CompressedMatrix c) {
        final ColumnSparseMatrix s = c.codes();
        final float[] r = atomRms(s);
        final FMatrixRMaj d = c.dictionaryView().copy();
        final int k = s.numRows();
        for (int i = 0; i < d.numRows; i++) for (int a = 0; a < k; a++) d.data[i * k + a] *= r[a];
        final float[] v = s.values().clone();
        final int[] rows = s.rowIndices();
        for (int t = 0; t < v.length; t++) v[t] /= r[rows[t]];
        return c.withFactors(d, withValues(s, v));
    }

    /**
     * {@link #balanceAtoms(CompressedMatrix)} for a group with one shared dictionary (docs/design.md §5.8): r_a is the
     * RMS of atom a's stored values over <em>all</em> members' codes, so one balanced dictionary D·diag(r) serves every
     * member; the members of the result reference that one new dictionary. Every product D·S_i is unchanged.
     */
    public static CompressedGroup balanceAtoms(CompressedGroup group) {
        final List<ColumnSparseMatrix> codes = new java.util.ArrayList<>();
        for (CompressedMatrix c : group.members()) codes.add(c.codes());
        final float[] r = atomRms(codes);
        final FMatrixRMaj d = group.dictionaryView().copy();
        final int k = d.numCols;
        for (int i = 0; i < d.numRows; i++) for (int a = 0; a < k; a++) d.data[i * k + a] *= r[a];
        final List<CompressedMatrix> members = new java.util.ArrayList<>();
        for (CompressedMatrix c : group.members()) {
            final float[] v = c.codes().values().clone();
            final int[] rows = c.codes().rowIndices();
            for (int t = 0; t < v.length; t++) v[t] /= r[rows[t]];
            members.add(new CompressedMatrix(c.orientation(), d, withValues(c.codes(), v), c.report()));
        }
        return new CompressedGroup(d, members, group.budget());
    }

    /**
     * {@link #int8Codes(CompressedMatrix)} for a group: the atoms balanced over all members ({@link
     * #balanceAtoms(CompressedGroup)}), each member's codes quantized per column and returned dequantized, all members
     * referencing the one balanced dictionary.
     */
    public static CompressedGroup int8Codes(CompressedGroup group) {
        final CompressedGroup balanced = balanceAtoms(group);
        final List<CompressedMatrix> members = new java.util.ArrayList<>();
        for (CompressedMatrix c : balanced.members()) {
            members.add(new CompressedMatrix(c.orientation(), balanced.dictionaryView(), Int8ColumnCodes.of(c.codes()).dequantize(), c.report()));
        }
        return new CompressedGroup(balanced.dictionaryView(), members, group.budget());
    }

    /** r_a = sqrt(mean of S_{a,j}² over the entries stored on atom a), or 1 when that is zero (or not finite). */
    private static float[] atomRms(ColumnSparseMatrix s) {
        return atomRms(List.of(s));
    }

    /** {@link #atomRms(ColumnSparseMatrix)} over the entries of several code matrices of one dictionary. */
    private static float[] atomRms(List<ColumnSparseMatrix> codes) {
        final int k = codes.get(0).numRows();
        final double[] sum = new double[k];
        final int[] count = new int[k];
        for (ColumnSparseMatrix s : codes) {
            final float[] v = s.values();
            final int[] rows = s.rowIndices();
            for (int t = 0; t < v.length; t++) {
                sum[rows[t]] += (double) v[t] * v[t];
                count[rows[t]]++;
            }
        }
        final float[] r = new float[k];
        for (int a = 0; a < k; a++) {
            final float m = count[a] == 0 ? 0f : (float) Math.sqrt(sum[a] / count[a]);
            r[a] = m > 0f && m < Float.POSITIVE_INFINITY ? m : 1f;
        }
        return r;
    }

    /**
     * Bytes of the paper's compact form: bf16 dictionary, k × n bitmask, {@code bits}-bit values, for a dictionary of
     * m rows and n coded columns (m = inFeatures, n = outFeatures in the INPUT orientation; exchanged in OUTPUT).
     */
    public static long compactBytes(CompressedMatrix c, int bits) {
        final long k = c.atoms(), d1 = c.dictionaryView().numRows, d2 = c.codes().numCols(), s = c.nonzerosPerColumn();
        return 2 * d1 * k + (k * d2 + 7) / 8 + (s * d2 * bits + 7) / 8;
    }

    private static FMatrixRMaj bf16(FMatrixRMaj d) {
        final FMatrixRMaj out = d.copy();
        for (int i = 0; i < out.data.length; i++) out.data[i] = Half.bf16ToFloat(Half.floatToBf16(out.data[i]));
        return out;
    }

    private static ColumnSparseMatrix withValues(ColumnSparseMatrix s, float[] values) {
        return new ColumnSparseMatrix(s.numRows(), s.numCols(), s.nonzerosPerColumn(), s.rowIndices(), values);
    }
}
