package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF file, version 3: metadata of every GGUF value type, then tensors given as float data and stored as
 * F32, F16, BF16 (round to nearest even) or Q8_0 (exactly as ggml's {@code quantize_row_q8_0_ref}, see
 * {@link #quantizeQ8_0}). Tensor data is aligned to {@code general.alignment} (default 32; set it with
 * {@link #alignment(int)}). {@link #write(Path)} writes to a temporary file in the target directory and moves it into
 * place atomically, replacing an existing file (as {@link SafeTensorsWriter} does), so an interrupted write never
 * leaves a partial file under the final name.
 *
 * <pre>{@code
 * try (GgufFile source = GgufFile.open(in)) {
 *     new GgufWriter().putAll(source)                       // metadata with its stored types
 *             .put("general.name", "my model")              // replaces the copied value, keeps its position
 *             .add("w", GgmlType.Q8_0, new long[]{inFeatures, outFeatures}, weights)   // dims in GGUF order
 *             .write(out);
 * }
 * }</pre>
 *
 * Metadata keys keep the order of their first {@code put}; a later put of the same key replaces the value.
 * Arrays are not copied: they must not change until {@link #write} returns. Not thread-safe.
 */
public final class GgufWriter {
    /** Longest tensor name llama.cpp reads (its GGML_MAX_NAME is 64 bytes including the terminating NUL). */
    public static final int MAX_NAME_BYTES = 63;

    private record Value(GgufValueType type, Object value) {} // Long, Double, Boolean, String or GgufArray

    private record Entry(String name, GgmlType type, long[] dims, float[] data) {
        long bytes() {
            return type.bytes(data.length);
        }
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    /** Puts a STRING value. */
    public GgufWriter put(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    /**
     * Puts a value of an explicit type: a {@link Number} for the integer types (range-checked; UINT64 takes a long's
     * bit pattern) and FLOAT32/FLOAT64 (FLOAT32 rounds to float), a {@link Boolean} for BOOL, a {@link String} for
     * STRING, a {@link List} for ARRAY (a {@link GgufArray} keeps its element type; a plain list's is inferred as in
     * {@link #metadata(Map)}). Throws naming the key when the value does not fit the type.
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        checkKey(key);
        final String what = "GGUF key '" + key + "'";
        final Value v;
        if (type.isInteger()) v = new Value(type, integerValue(value, type, what));
        else if (type.isFloat()) v = new Value(type, floatValue(value, type, what));
        else if (type == GgufValueType.BOOL) {
            if (!(value instanceof Boolean)) throw wrongClass(value, type, what);
            v = new Value(type, value);
        } else if (type == GgufValueType.STRING) {
            if (!(value instanceof String)) throw wrongClass(value, type, what);
            utf8((String) value, what);
            v = new Value(type, value);
        } else {
            if (!(value instanceof List)) throw wrongClass(value, type, what);
            final List<?> list = (List<?>) value;
            v = new Value(type, GgufArray.of(inferElementType(list, what), list, what));
        }
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            if (!type.isInteger()) throw new IllegalArgumentException(what + " must be a UINT32, got " + type);
            final long a = (Long) v.value;
            if (a <= 0 || a > GgufFile.MAX_ALIGNMENT || (a & (a - 1)) != 0) {
                throw new IllegalArgumentException(what + " = " + a + " is not a power of two in [1, " + GgufFile.MAX_ALIGNMENT + "]");
            }
            metadata.put(key, new Value(GgufValueType.UINT32, a)); // llama.cpp reads only a UINT32 alignment
        } else {
            metadata.put(key, v);
        }
        return this;
    }

    /** Puts an ARRAY value of an explicit element type (see {@link #put(String, GgufValueType, Object)}). */
    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        checkKey(key);
        final String what = "GGUF key '" + key + "'";
        metadata.put(key, new Value(GgufValueType.ARRAY, GgufArray.of(elementType, values, what)));
        return this;
    }

    /**
     * Puts every entry, inferring GGUF types from the Java classes: String → STRING, Boolean → BOOL, Byte, Short and
     * Integer → INT32, Long → INT64, Float → FLOAT32, Double → FLOAT64, {@link GgufArray} → ARRAY of its element type,
     * other non-empty Lists → ARRAY of the type inferred from their elements (which must all infer alike). A map from
     * {@link GgufFile#metadata()} thus loses the exact integer and float types (a UINT32 becomes INT64, which
     * llama.cpp rejects for keys it reads as UINT32): copy a file with {@link #putAll(GgufFile)} instead.
     */
    public GgufWriter metadata(Map<String, ?> values) {
        for (Map.Entry<String, ?> e : values.entrySet()) {
            final String what = "GGUF key '" + e.getKey() + "'";
            put(e.getKey(), infer(e.getValue(), what), e.getValue());
        }
        return this;
    }

    /** Puts every metadata entry of {@code source}, in its order and with its stored types. */
    public GgufWriter putAll(GgufFile source) {
        for (Map.Entry<String, Object> e : source.metadata().entrySet()) put(e.getKey(), source.valueType(e.getKey()), e.getValue());
        return this;
    }

    /** Sets {@code general.alignment} (UINT32), a power of two; tensor data starts at multiples of it. */
    public GgufWriter alignment(int bytes) {
        return put(GgufFile.ALIGNMENT_KEY, GgufValueType.UINT32, bytes);
    }

    /**
     * Adds a tensor from float data in storage order (element {@code i0 + ne0·(i1 + ...)}), with {@code dims} in GGUF
     * order ({@code dims[0] = ne0}, innermost; for a PyTorch {@code (out × in)} weight: {@code {in, out}}), stored as
     * {@code type} ∈ {F32, F16, BF16, Q8_0}. Q8_0 needs {@code ne0} to be a multiple of 32 and finite data. The array
     * is not copied.
     */
    public GgufWriter add(String name, GgmlType type, long[] dims, float[] data) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("invalid GGUF tensor name '" + name + "'");
        final int nameBytes = utf8(name, "GGUF tensor name '" + name + "'").length;
        if (nameBytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("GGUF tensor name '" + name + "' has " + nameBytes + " UTF-8 bytes; llama.cpp reads at most " + MAX_NAME_BYTES);
        }
        if (tensors.containsKey(name)) throw new IllegalArgumentException("GGUF tensor '" + name + "' added twice");
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16 && type != GgmlType.Q8_0) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "': type " + type + " is not supported for writing (F32, F16, BF16, Q8_0)");
        }
        if (dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "': " + dims.length + " dims " + Arrays.toString(dims) + " (GGUF allows 1 to 4)");
        }
        long n = 1;
        for (long d : dims) {
            if (d <= 0) throw new IllegalArgumentException("GGUF tensor '" + name + "': non-positive dim in " + Arrays.toString(dims));
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "': dims " + Arrays.toString(dims) + " have " + n + " elements but the data has " + data.length);
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "': ne0 = " + dims[0] + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        if (type == GgmlType.Q8_0) {
            for (int i = 0; i < data.length; i++) {
                if (!Float.isFinite(data[i])) throw new IllegalArgumentException("GGUF tensor '" + name + "': element " + i + " is " + data[i] + ", Q8_0 needs finite values");
            }
        }
        tensors.put(name, new Entry(name, type, dims.clone(), data));
        return this;
    }

    /** Writes the file atomically (temporary file in the same directory, then a move), replacing {@code target}. */
    public void write(Path target) throws IOException {
        final int alignment = metadata.containsKey(GgufFile.ALIGNMENT_KEY)
                ? (int) (long) (Long) metadata.get(GgufFile.ALIGNMENT_KEY).value : GgufFile.DEFAULT_ALIGNMENT;
        final Out h = new Out();
        h.bytes(new byte[]{'G', 'G', 'U', 'F'});
        h.u32(3);
        h.u64(tensors.size());
        h.u64(metadata.size());
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            h.string(e.getKey());
            h.u32(e.getValue().type.id());
            h.value(e.getValue().type, e.getValue().value);
        }
        final List<Entry> order = new ArrayList<>(tensors.values());
        long offset = 0;
        for (Entry e : order) {
            h.string(e.name);
            h.u32(e.dims.length);
            for (long d : e.dims) h.u64(d);
            h.u32(e.type.id());
            h.u64(offset);
            offset = pad(offset + e.bytes(), alignment);
        }
        final byte[] header = h.toByteArray();
        final long headerPadding = pad(header.length, alignment) - header.length;
        AtomicFiles.write(target, ch -> {
            writeFully(ch, ByteBuffer.wrap(header));
            final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            zeros(ch, buf, headerPadding);
            for (Entry e : order) {
                writeData(ch, e, buf);
                zeros(ch, buf, pad(e.bytes(), alignment) - e.bytes());
            }
        });
    }

    /**
     * Q8_0 quantization of one block of 32 values {@code x[from ..]} into 34 bytes at the buffer's position, as
     * ggml's {@code quantize_row_q8_0_ref}: amax = max |x|, d = amax / 127, id = d ≠ 0 ? 1/d : 0 (float32),
     * q = roundf(x·id) (half away from zero), stored as f16(d) then the 32 int8 q. Finite input keeps |q| ≤ 127;
     * when 1/d overflows (amax below about 4e-37) q is clamped to [−127, 127] and NaN becomes 0, where ggml's C
     * cast is undefined.
     */
    static void quantizeQ8_0(float[] x, int from, ByteBuffer out) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        final float d = amax / 127;
        final float id = d != 0f ? 1.0f / d : 0f;
        out.putShort(Half.floatToF16(d));
        for (int j = 0; j < 32; j++) {
            final float v = x[from + j] * id;
            final double r = Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v); // roundf; exact in double
            out.put((byte) Math.max(-127, Math.min(127, (int) r)));
        }
    }

    private static void writeData(FileChannel ch, Entry e, ByteBuffer buf) throws IOException {
        buf.clear();
        final float[] x = e.data;
        final int step = e.type.blockSize(), width = e.type.blockBytes();
        for (int i = 0; i < x.length; i += step) {
            if (buf.remaining() < width) {
                buf.flip();
                writeFully(ch, buf);
                buf.clear();
            }
            switch (e.type) {
                case F32: buf.putFloat(x[i]); break;
                case F16: buf.putShort(Half.floatToF16(x[i])); break;
                case BF16: buf.putShort(Half.floatToBf16(x[i])); break;
                case Q8_0: quantizeQ8_0(x, i, buf); break;
                default: throw new AssertionError(e.type);
            }
        }
        buf.flip();
        writeFully(ch, buf);
    }

    private static void zeros(FileChannel ch, ByteBuffer buf, long n) throws IOException {
        for (long left = n; left > 0; ) {
            final int k = (int) Math.min(left, buf.capacity());
            buf.clear();
            for (int i = 0; i < k; i++) buf.put((byte) 0);
            buf.flip();
            writeFully(ch, buf);
            left -= k;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static long pad(long n, int alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("invalid GGUF metadata key '" + key + "'");
        utf8(key, "GGUF metadata key '" + key + "'");
    }

    static byte[] utf8(String s, String what) {
        try {
            final ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            return Arrays.copyOf(b.array(), b.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not encodable as UTF-8 (unpaired surrogate)");
        }
    }

    static long integerValue(Object value, GgufValueType type, String what) {
        if (!(value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)) {
            throw wrongClass(value, type, what);
        }
        final long v = ((Number) value).longValue();
        type.checkRange(v, what);
        return v;
    }

    static double floatValue(Object value, GgufValueType type, String what) {
        if (!(value instanceof Number)) throw wrongClass(value, type, what);
        final double v = ((Number) value).doubleValue();
        return type == GgufValueType.FLOAT32 ? (float) v : v;
    }

    static IllegalArgumentException wrongClass(Object value, GgufValueType type, String what) {
        return new IllegalArgumentException(what + ": a " + (value == null ? "null" : value.getClass().getSimpleName()) + " value cannot be stored as " + type);
    }

    static GgufValueType infer(Object value, String what) {
        if (value instanceof String) return GgufValueType.STRING;
        if (value instanceof Boolean) return GgufValueType.BOOL;
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) return GgufValueType.INT32;
        if (value instanceof Long) return GgufValueType.INT64;
        if (value instanceof Float) return GgufValueType.FLOAT32;
        if (value instanceof Double) return GgufValueType.FLOAT64;
        if (value instanceof List) return GgufValueType.ARRAY;
        throw new IllegalArgumentException(what + ": cannot infer a GGUF type for a " + (value == null ? "null" : value.getClass().getSimpleName()) + " value");
    }

    static GgufValueType inferElementType(List<?> values, String what) {
        if (values instanceof GgufArray) return ((GgufArray) values).elementType();
        if (values.isEmpty()) throw new IllegalArgumentException(what + ": cannot infer the element type of an empty list (use putArray)");
        final GgufValueType t = infer(values.get(0), what + "[0]");
        for (int i = 1; i < values.size(); i++) {
            if (infer(values.get(i), what + "[" + i + "]") != t) {
                throw new IllegalArgumentException(what + ": element " + i + " is a " + values.get(i).getClass().getSimpleName() + " but element 0 is " + t);
            }
        }
        return t;
    }

    /** Little-endian header bytes. */
    private static final class Out extends ByteArrayOutputStream {
        void u32(long v) {
            for (int i = 0; i < 4; i++) write((int) (v >>> (8 * i)));
        }

        void u64(long v) {
            for (int i = 0; i < 8; i++) write((int) (v >>> (8 * i)));
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }

        void string(String s) {
            final byte[] b = s.getBytes(StandardCharsets.UTF_8); // checked encodable when put
            u64(b.length);
            bytes(b);
        }

        void value(GgufValueType type, Object v) {
            switch (type) {
                case UINT8: case INT8: write((int) (long) (Long) v); break;
                case UINT16: case INT16: for (int i = 0; i < 2; i++) write((int) ((Long) v >>> (8 * i))); break;
                case UINT32: case INT32: u32((Long) v); break;
                case UINT64: case INT64: u64((Long) v); break;
                case FLOAT32: u32(Float.floatToRawIntBits((float) (double) (Double) v)); break;
                case FLOAT64: u64(Double.doubleToRawLongBits((Double) v)); break;
                case BOOL: write((Boolean) v ? 1 : 0); break;
                case STRING: string((String) v); break;
                case ARRAY: array((GgufArray) v); break;
                default: throw new AssertionError(type);
            }
        }

        void array(GgufArray a) {
            final GgufValueType t = a.elementType();
            u32(t.id());
            u64(a.size());
            if (t.isInteger()) for (long x : a.longs()) value(t, x);
            else if (t.isFloat()) for (double x : a.doubles()) value(t, x);
            else if (t == GgufValueType.BOOL) for (boolean x : a.booleans()) write(x ? 1 : 0);
            else for (Object x : a) value(t, x);
        }
    }
}
