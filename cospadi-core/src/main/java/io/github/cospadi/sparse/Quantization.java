package io.github.cospadi.sparse;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.io.Half;
import org.ejml.data.FMatrixRMaj;

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
        return new CompressedMatrix(bf16(c.dictionaryView()), withValues(c.codes(), values), c.report());
    }

    /** D kept in float, codes as int8 with a per-column scale max|v|/127 (round to nearest): {@link Int8ColumnCodes}. */
    public static CompressedMatrix int8Codes(CompressedMatrix c) {
        return new CompressedMatrix(c.dictionaryView(), Int8ColumnCodes.of(c.codes()).dequantize(), c.report());
    }

    /** Bytes of the paper's compact form: bf16 dictionary, k × d2 bitmask, {@code bits}-bit values. */
    public static long compactBytes(CompressedMatrix c, int bits) {
        final long k = c.atoms(), d1 = c.inFeatures(), d2 = c.outFeatures(), s = c.nonzerosPerColumn();
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
