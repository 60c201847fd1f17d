package io.github.cospadi.io;

import java.util.ArrayList;
import java.util.List;

/**
 * Tensor element types of ggml / GGUF, with their type ids as stored in a GGUF tensor info, the number of elements
 * per block and the bytes per block (ggml's {@code blck_size} and {@code type_size}). Every id that current ggml
 * defines is listed, so a file of a type cospadi cannot dequantize opens (its metadata and tensor table are readable)
 * and reading such a tensor fails naming the type; {@link #isDequantizable()} tells which types
 * {@link GgufFile#readFloats} converts.
 *
 * <p>A tensor's innermost dimension {@code ne0} must be a multiple of {@link #blockSize()}; a row of {@code ne0}
 * elements then takes {@code ne0 / blockSize * blockBytes} bytes.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, true),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false),
    NVFP4(40, 64, 36, false),
    Q1_0(41, 128, 18, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];
    /** Ids ggml once used and removed from GGUF files; named in the error for clarity. */
    private static final String[] REMOVED = new String[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
        REMOVED[4] = "Q4_2";
        REMOVED[5] = "Q4_3";
        REMOVED[31] = "Q4_0_4_4";
        REMOVED[32] = "Q4_0_4_8";
        REMOVED[33] = "Q4_0_8_8";
        REMOVED[36] = "IQ4_NL_4_4";
        REMOVED[37] = "IQ4_NL_4_8";
        REMOVED[38] = "IQ4_NL_8_8";
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final boolean dequantizable;

    GgmlType(int id, int blockSize, int blockBytes, boolean dequantizable) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.dequantizable = dequantizable;
    }

    /** The ggml type id stored in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for the plain types F32, F16, BF16, ...; 32 for Q8_0; 256 for the k-quants). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** True when cospadi dequantizes this type to float ({@link GgufFile#readFloats}). */
    public boolean isDequantizable() {
        return dequantizable;
    }

    /** Bytes of {@code elements} elements; {@code elements} must be a multiple of the block size. */
    public long bytes(long elements) {
        if (elements % blockSize != 0) throw new IllegalArgumentException(elements + " elements are not a whole number of " + this + " blocks of " + blockSize);
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The types {@link GgufFile#readFloats} dequantizes. */
    public static List<GgmlType> dequantizable() {
        final List<GgmlType> out = new ArrayList<>();
        for (GgmlType t : values()) if (t.dequantizable) out.add(t);
        return List.copyOf(out);
    }

    /**
     * The type of a ggml type id; throws naming {@code what} (e.g. "tensor 'x'") when the id is unknown or was removed
     * from GGUF.
     */
    static GgmlType of(long id, String what) {
        if (id >= 0 && id < BY_ID.length && BY_ID[(int) id] != null) return BY_ID[(int) id];
        if (id >= 0 && id < REMOVED.length && REMOVED[(int) id] != null) {
            throw new IllegalArgumentException(what + " has ggml type id " + id + " (" + REMOVED[(int) id]
                    + "), which ggml removed from GGUF files");
        }
        throw new IllegalArgumentException(what + " has unknown ggml type id " + id);
    }
}
