package io.github.cospadi.io;

/**
 * Types of GGUF metadata values, with their ids as stored in the file and the Java class {@link GgufFile#metadata()}
 * maps them to: every integer type to {@link Long} (UINT64 keeps its 64 bits, so values of 2⁶³ and more read as
 * negative; see {@link Long#toUnsignedString}), FLOAT32 and FLOAT64 to {@link Double}, BOOL to {@link Boolean},
 * STRING to {@link String} and ARRAY to {@link GgufArray}.
 */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The type id stored in the file. */
    public int id() {
        return id;
    }

    /** Bytes one value takes in the file; for STRING and ARRAY the least (an empty one: its length fields). */
    int minBytes() {
        return minBytes;
    }

    /** True for the eight integer types. */
    public boolean isInteger() {
        return this == UINT8 || this == INT8 || this == UINT16 || this == INT16 || this == UINT32 || this == INT32
                || this == UINT64 || this == INT64;
    }

    /** True for FLOAT32 and FLOAT64. */
    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The type of an id, or null when unknown. */
    static GgufValueType of(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Throws naming {@code what} unless {@code v} fits this integer type (UINT64 takes any long: its bit pattern). */
    void checkRange(long v, String what) {
        final long lo, hi;
        switch (this) {
            case UINT8: lo = 0; hi = 0xff; break;
            case INT8: lo = Byte.MIN_VALUE; hi = Byte.MAX_VALUE; break;
            case UINT16: lo = 0; hi = 0xffff; break;
            case INT16: lo = Short.MIN_VALUE; hi = Short.MAX_VALUE; break;
            case UINT32: lo = 0; hi = 0xffffffffL; break;
            case INT32: lo = Integer.MIN_VALUE; hi = Integer.MAX_VALUE; break;
            case UINT64: case INT64: return;
            default: throw new IllegalArgumentException(what + ": " + this + " is not an integer type");
        }
        if (v < lo || v > hi) throw new IllegalArgumentException(what + ": value " + v + " is out of the range of " + this + " [" + lo + ", " + hi + "]");
    }
}
