package io.github.cospadi.io;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable GGUF metadata array: a {@code List<Object>} whose elements all have one {@link GgufValueType}
 * ({@link #elementType()}), boxed on access as described there (integers as {@link Long}, floats as {@link Double},
 * nested arrays as {@code GgufArray}). Numbers are held unboxed, so a vocabulary-sized score array costs 8 bytes per
 * element. {@link GgufWriter} writes an array back with its element type.
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {
    private final GgufValueType elementType;
    private final long[] longs;     // integer types
    private final double[] doubles; // FLOAT32 (exact in double) and FLOAT64
    private final boolean[] bools;
    private final Object[] objects; // String or GgufArray

    private GgufArray(GgufValueType elementType, long[] longs, double[] doubles, boolean[] bools, Object[] objects) {
        this.elementType = elementType;
        this.longs = longs;
        this.doubles = doubles;
        this.bools = bools;
        this.objects = objects;
    }

    static GgufArray ofLongs(GgufValueType type, long[] values) {
        return new GgufArray(type, values, null, null, null);
    }

    static GgufArray ofDoubles(GgufValueType type, double[] values) {
        return new GgufArray(type, null, values, null, null);
    }

    static GgufArray ofBooleans(boolean[] values) {
        return new GgufArray(GgufValueType.BOOL, null, null, values, null);
    }

    static GgufArray ofObjects(GgufValueType type, Object[] values) {
        return new GgufArray(type, null, null, null, values);
    }

    /**
     * An array of {@code elementType} from Java values (Numbers for the numeric types, Booleans, Strings, Lists for
     * ARRAY elements); throws naming {@code what} and the index of a value of the wrong class or out of range.
     * Element types of nested plain Lists are inferred as in {@link GgufWriter#metadata(java.util.Map)}.
     */
    static GgufArray of(GgufValueType elementType, List<?> values, String what) {
        if (values instanceof GgufArray && ((GgufArray) values).elementType == elementType) return (GgufArray) values;
        final int n = values.size();
        if (elementType.isInteger()) {
            final long[] out = new long[n];
            for (int i = 0; i < n; i++) out[i] = GgufWriter.integerValue(values.get(i), elementType, what + "[" + i + "]");
            return ofLongs(elementType, out);
        }
        if (elementType.isFloat()) {
            final double[] out = new double[n];
            for (int i = 0; i < n; i++) out[i] = GgufWriter.floatValue(values.get(i), elementType, what + "[" + i + "]");
            return ofDoubles(elementType, out);
        }
        if (elementType == GgufValueType.BOOL) {
            final boolean[] out = new boolean[n];
            for (int i = 0; i < n; i++) {
                if (!(values.get(i) instanceof Boolean)) throw GgufWriter.wrongClass(values.get(i), elementType, what + "[" + i + "]");
                out[i] = (Boolean) values.get(i);
            }
            return ofBooleans(out);
        }
        final Object[] out = new Object[n];
        for (int i = 0; i < n; i++) {
            final Object v = values.get(i);
            if (elementType == GgufValueType.STRING) {
                if (!(v instanceof String)) throw GgufWriter.wrongClass(v, elementType, what + "[" + i + "]");
                GgufWriter.utf8((String) v, what + "[" + i + "]");
                out[i] = v;
            } else {
                if (!(v instanceof List)) throw GgufWriter.wrongClass(v, elementType, what + "[" + i + "]");
                out[i] = v instanceof GgufArray ? v : of(GgufWriter.inferElementType((List<?>) v, what + "[" + i + "]"), (List<?>) v, what + "[" + i + "]");
            }
        }
        return ofObjects(elementType, out);
    }

    /** The type shared by every element. */
    public GgufValueType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return longs != null ? longs.length : doubles != null ? doubles.length : bools != null ? bools.length : objects.length;
    }

    @Override
    public Object get(int index) {
        if (longs != null) return longs[index];
        if (doubles != null) return doubles[index];
        if (bools != null) return bools[index];
        return objects[index];
    }

    /** Backing integers (integer element types only; do not modify). */
    long[] longs() {
        return longs;
    }

    /** Backing floats (FLOAT32/FLOAT64 element types only; do not modify). */
    double[] doubles() {
        return doubles;
    }

    /** Backing booleans (BOOL only; do not modify). */
    boolean[] booleans() {
        return bools;
    }
}
