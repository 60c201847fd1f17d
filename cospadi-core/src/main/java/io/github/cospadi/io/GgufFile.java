package io.github.cospadi.io;

import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader of GGUF files (llama.cpp / ggml), versions 2 and 3, little-endian. Layout: magic {@code GGUF}, u32 version,
 * u64 tensor count, u64 metadata count; the metadata key/value pairs (u64-length UTF-8 key, u32 value type, value;
 * strings are u64 length + bytes, arrays u32 element type + u64 length + elements); one info per tensor (name, u32
 * number of dims, u64 dims {@code ne0, ne1, ...} innermost first, u32 {@link GgmlType} id, u64 offset relative to the
 * data section); padding to {@link #alignment()}; the data section. See docs/format.md, "GGUF".
 *
 * <p>{@link #open} reads and validates the whole header (counts and lengths are checked against the bytes left in
 * the file before anything is allocated; types, dims, block multiples, alignment, bounds and overlaps of every tensor)
 * and nothing else: tensor data is memory-mapped read-only when a tensor is read, in windows of at most 1 GiB (so
 * files and tensors beyond 2 GiB work on Java 17), and dequantized one tensor at a time by {@link #readFloats}.
 * Reads are thread-safe; {@link #close()} releases the file (buffers already returned stay valid).
 */
public final class GgufFile implements AutoCloseable {
    /** Alignment of tensor data when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The metadata key that sets the alignment (a UINT32 power of two). */
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** Largest memory mapping made at once. */
    static final long WINDOW_BYTES = 1L << 30;
    /** Largest supported alignment (a sanity bound: real files use 32 or 64). */
    static final int MAX_ALIGNMENT = 1 << 30;
    private static final int MAX_NESTING = 8;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int MAX_DIMS = 4;
    /** Smallest metadata entry: empty-key length, type, one-byte value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    /** Smallest tensor info: name length, n_dims, one dim, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    private final Path path;
    private final FileChannel channel;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final int alignment;
    private final long dataOffset;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> byName;
    private long windowBytes = WINDOW_BYTES;

    private GgufFile(Path path, FileChannel channel, int version, Map<String, Object> metadata, Map<String, GgufValueType> types,
                     int alignment, long dataOffset, List<GgufTensor> tensors) {
        this.path = path;
        this.channel = channel;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.types = types;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.tensors = List.copyOf(tensors);
        final Map<String, GgufTensor> m = new HashMap<>();
        for (GgufTensor t : tensors) m.put(t.name(), t);
        this.byName = m;
    }

    /** Opens a GGUF file and validates its header; every problem is an IOException naming the field or tensor. */
    public static GgufFile open(Path path) throws IOException {
        final FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new Parser(path, channel).parse();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The GGUF version: 2 or 3 (identical layouts). */
    public int version() {
        return version;
    }

    /**
     * All metadata in file order (unmodifiable). Values: integers as {@link Long}, FLOAT32/FLOAT64 as {@link Double},
     * BOOL as {@link Boolean}, STRING as {@link String}, ARRAY as {@link GgufArray} (a {@code List<Object>}, possibly
     * of arrays). {@link #valueType} gives each key's stored type.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** True when the metadata has this key. */
    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** The stored type of a key's value; throws naming the key when it is missing. */
    public GgufValueType valueType(String key) {
        present(key);
        return types.get(key);
    }

    /** A STRING value; throws naming the key when it is missing or of another type. */
    public String string(String key) {
        return (String) typed(key, GgufValueType.STRING, "a STRING");
    }

    /** An integer value of any of the eight integer types (UINT64 as its 64-bit pattern). */
    public long integer(String key) {
        final Object v = present(key);
        if (!types.get(key).isInteger()) throw wrongType(key, "an integer");
        return (Long) v;
    }

    /** A FLOAT32 or FLOAT64 value, or an integer value converted to double. */
    public double real(String key) {
        final Object v = present(key);
        final GgufValueType t = types.get(key);
        if (t.isFloat()) return (Double) v;
        if (t.isInteger()) return (Long) v;
        throw wrongType(key, "a number");
    }

    /** A BOOL value. */
    public boolean bool(String key) {
        return (Boolean) typed(key, GgufValueType.BOOL, "a BOOL");
    }

    /** An array of STRING (unmodifiable). */
    @SuppressWarnings("unchecked")
    public List<String> strings(String key) {
        final GgufArray a = array(key);
        if (a.elementType() != GgufValueType.STRING) throw wrongType(key, "an array of STRING");
        return (List<String>) (List<?>) a;
    }

    /** An array of any integer type as ints; throws naming the key and index of a value outside the int range. */
    public int[] integers(String key) {
        final GgufArray a = array(key);
        if (!a.elementType().isInteger()) throw wrongType(key, "an array of integers");
        final long[] v = a.longs();
        final int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != (int) v[i]) {
                throw new IllegalArgumentException(path + ": GGUF key '" + key + "' element " + i + " = " + v[i] + " does not fit an int");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /** An array of numbers as floats: FLOAT32 exactly, FLOAT64 and integers rounded to the nearest float. */
    public float[] reals(String key) {
        final GgufArray a = array(key);
        final float[] out = new float[a.size()];
        if (a.elementType().isFloat()) {
            for (int i = 0; i < out.length; i++) out[i] = (float) a.doubles()[i];
        } else if (a.elementType().isInteger()) {
            for (int i = 0; i < out.length; i++) out[i] = a.longs()[i];
        } else {
            throw wrongType(key, "an array of numbers");
        }
        return out;
    }

    /** Any ARRAY value. */
    public GgufArray array(String key) {
        return (GgufArray) typed(key, GgufValueType.ARRAY, "an ARRAY");
    }

    private Object typed(String key, GgufValueType type, String expected) {
        final Object v = present(key);
        if (types.get(key) != type) throw wrongType(key, expected);
        return v;
    }

    private Object present(String key) {
        final Object v = metadata.get(key);
        if (v == null) throw new IllegalArgumentException(path + ": GGUF key '" + key + "' is missing");
        return v;
    }

    private IllegalArgumentException wrongType(String key, String expected) {
        final GgufValueType t = types.get(key);
        final String actual = t == GgufValueType.ARRAY ? "an ARRAY of " + ((GgufArray) metadata.get(key)).elementType() : t.toString();
        return new IllegalArgumentException(path + ": GGUF key '" + key + "' is " + actual + ", not " + expected);
    }

    /** Alignment of tensor data in bytes: {@code general.alignment}, or 32 when absent; a power of two. */
    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the data section (the first tensor offset counts from there). */
    public long dataOffset() {
        return dataOffset;
    }

    /** The tensors in file order. */
    public List<GgufTensor> tensors() {
        return tensors;
    }

    /** True when the file has a tensor of that name. */
    public boolean hasTensor(String name) {
        return byName.containsKey(name);
    }

    /** The tensor of that name; throws naming the file and some tensor names when there is none. */
    public GgufTensor tensor(String name) {
        final GgufTensor t = byName.get(name);
        if (t == null) {
            final List<String> some = new ArrayList<>();
            for (int i = 0; i < Math.min(5, tensors.size()); i++) some.add(tensors.get(i).name());
            throw new IllegalArgumentException(path + " has no tensor '" + name + "' (it has " + tensors.size() + " tensors, e.g. " + some + ")");
        }
        return t;
    }

    /**
     * One tensor dequantized to a new float array in storage order (element {@code i0 + ne0·(i1 + ne1·...)}),
     * bit-identical to ggml's and gguf-py's dequantization. Throws IllegalArgumentException when the tensor's type
     * is not {@link GgmlType#isDequantizable()} or it has more elements than a Java array holds.
     */
    public float[] readFloats(String name) throws IOException {
        final GgufTensor t = tensor(name);
        if (!t.type().isDequantizable()) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has type " + t.type()
                    + ", which cospadi cannot dequantize (supported: " + GgmlType.dequantizable() + ")");
        }
        final long n = t.elements();
        if (n > MAX_ARRAY) throw new IllegalArgumentException(path + ": tensor '" + name + "' has " + n + " elements, too many for one array");
        final float[] out = new float[(int) n];
        if (t.offset() + t.bytes() > channel.size()) {
            throw new IOException(path + ": tensor '" + name + "' ends at byte " + (t.offset() + t.bytes()) + " but the file now has "
                    + channel.size() + " bytes (changed since it was opened)");
        }
        final GgmlType type = t.type();
        final long blocks = t.bytes() / type.blockBytes();
        final long perWindow = Math.max(1, windowBytes / type.blockBytes());
        for (long b = 0; b < blocks; b += perWindow) {
            final int count = (int) Math.min(perWindow, blocks - b);
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, t.offset() + b * type.blockBytes(), (long) count * type.blockBytes());
            map.order(ByteOrder.LITTLE_ENDIAN);
            GgmlDequantizer.dequantize(type, map, 0, count, out, (int) (b * type.blockSize()));
        }
        return out;
    }

    /**
     * A 2-D tensor as an EJML matrix with {@code numRows = ne1} and {@code numCols = ne0}: for a linear weight the
     * PyTorch {@code (outFeatures × inFeatures)} layout. Throws IllegalArgumentException for other ranks.
     */
    public FMatrixRMaj readMatrix(String name) throws IOException {
        final GgufTensor t = tensor(name);
        if (t.rank() != 2) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has " + t.rank() + " dims " + java.util.Arrays.toString(t.dims())
                    + ", expected a matrix (2 dims)");
        }
        final float[] data = readFloats(name);
        return FMatrixRMaj.wrap((int) t.dims()[1], (int) t.dims()[0], data);
    }

    /** For tests: maps at most this many bytes at once (rounded down to whole blocks, at least one block). */
    void windowBytes(long bytes) {
        this.windowBytes = bytes;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Reads and checks the header through a buffered cursor; every length is checked before it is allocated. */
    private static final class Parser {
        private final Path path;
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        Parser(Path path, FileChannel channel) throws IOException {
            this.path = path;
            this.channel = channel;
            this.size = channel.size();
            buf.limit(0);
        }

        GgufFile parse() throws IOException {
            if (size < 4) throw error("truncated GGUF file (" + size + " bytes, no magic)");
            final int magic = i32("magic");
            if (magic != 0x46554747) { // "GGUF" read little-endian
                throw error("not a GGUF file: magic " + printable(magic) + " (expected 'GGUF')");
            }
            final long version = u32("version");
            if (version == 1) throw error("GGUF version 1 is not supported (it has 32-bit counts; cospadi reads versions 2 and 3)");
            if (version != 2 && version != 3) {
                if (version != 0 && (version & 0xffff) == 0) {
                    throw error("GGUF version field " + version + " looks byte-swapped: a big-endian GGUF file, which cospadi does not read");
                }
                throw error("unsupported GGUF version " + version + " (cospadi reads versions 2 and 3)");
            }
            final long tensorCount = i64("tensor count");
            final long kvCount = i64("metadata count");
            if (tensorCount < 0 || tensorCount > remaining() / MIN_TENSOR_INFO_BYTES) {
                throw error("GGUF tensor count " + Long.toUnsignedString(tensorCount) + " is larger than the file could hold ("
                        + remaining() + " bytes follow the header)");
            }
            if (kvCount < 0 || kvCount > remaining() / MIN_KV_BYTES) {
                throw error("GGUF metadata count " + Long.toUnsignedString(kvCount) + " is larger than the file could hold ("
                        + remaining() + " bytes follow the header)");
            }
            final Map<String, Object> metadata = new LinkedHashMap<>();
            final Map<String, GgufValueType> types = new HashMap<>();
            for (long i = 0; i < kvCount; i++) {
                final String key = string("GGUF metadata key #" + i, -1);
                if (key.isEmpty()) throw error("GGUF metadata key #" + i + " is empty");
                if (metadata.containsKey(key)) throw error("duplicate GGUF metadata key '" + key + "'");
                final String what = "GGUF key '" + key + "'";
                final GgufValueType type = valueType(what);
                metadata.put(key, value(type, what, 0));
                types.put(key, type);
            }
            final int alignment = alignment(metadata, types);
            final List<GgufTensor> infos = new ArrayList<>();
            final Map<String, Long> relative = new HashMap<>();
            for (long i = 0; i < tensorCount; i++) {
                final String name = string("GGUF tensor #" + i + " name", -1);
                if (relative.containsKey(name)) throw error("duplicate GGUF tensor name '" + name + "'");
                final String what = "GGUF tensor '" + name + "'";
                final long nDims = u32(what + " number of dims");
                if (nDims < 1 || nDims > MAX_DIMS) throw error(what + " has " + nDims + " dims (GGUF allows 1 to " + MAX_DIMS + ")");
                final long[] dims = new long[(int) nDims];
                long elements = 1;
                for (int d = 0; d < nDims; d++) {
                    dims[d] = i64(what + " dim " + d);
                    if (dims[d] <= 0) throw error(what + " has dim " + d + " = " + Long.toUnsignedString(dims[d]) + " (must be positive)");
                    try {
                        elements = Math.multiplyExact(elements, dims[d]);
                    } catch (ArithmeticException e) {
                        throw error(what + " has dims " + java.util.Arrays.toString(dims) + " whose element count overflows");
                    }
                }
                final GgmlType type;
                final long typeId = u32(what + " type");
                try {
                    type = GgmlType.of(typeId, what);
                } catch (IllegalArgumentException e) {
                    throw error(e.getMessage());
                }
                if (dims[0] % type.blockSize() != 0) {
                    throw error(what + " of type " + type + " has ne0 = " + dims[0] + ", not a multiple of the block size " + type.blockSize());
                }
                final long bytes;
                try {
                    bytes = type.bytes(elements);
                } catch (ArithmeticException e) {
                    throw error(what + " has dims " + java.util.Arrays.toString(dims) + " whose byte size overflows");
                }
                final long offset = i64(what + " offset");
                if (offset < 0 || offset % alignment != 0) {
                    throw error(what + " has offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
                }
                relative.put(name, offset);
                infos.add(new GgufTensor(name, type, dims, offset, bytes));
            }
            final long headerEnd = pos();
            final long dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
            if (tensorCount > 0 && dataOffset > size) {
                throw error("truncated GGUF file: the data section would start at byte " + dataOffset + " but the file has " + size + " bytes");
            }
            final List<GgufTensor> tensors = new ArrayList<>(infos.size());
            for (GgufTensor t : infos) {
                if (t.offset() > size - dataOffset || t.bytes() > size - dataOffset - t.offset()) {
                    throw error("truncated GGUF file: tensor '" + t.name() + "' (" + t.type() + " " + java.util.Arrays.toString(t.dims())
                            + ") needs bytes [" + (dataOffset + t.offset()) + ", " + (dataOffset + t.offset() + t.bytes())
                            + ") but the file has " + size + " bytes");
                }
                tensors.add(new GgufTensor(t.name(), t.type(), t.dims(), dataOffset + t.offset(), t.bytes()));
            }
            final List<GgufTensor> sorted = new ArrayList<>(tensors);
            sorted.sort(Comparator.comparingLong(GgufTensor::offset));
            for (int i = 1; i < sorted.size(); i++) {
                final GgufTensor a = sorted.get(i - 1), b = sorted.get(i);
                if (b.offset() < a.offset() + a.bytes()) {
                    throw error("GGUF tensors '" + a.name() + "' [" + a.offset() + ", " + (a.offset() + a.bytes()) + ") and '" + b.name()
                            + "' [" + b.offset() + ", " + (b.offset() + b.bytes()) + ") overlap");
                }
            }
            return new GgufFile(path, channel, (int) version, metadata, types, alignment, dataOffset, tensors);
        }

        private int alignment(Map<String, Object> metadata, Map<String, GgufValueType> types) throws IOException {
            if (!metadata.containsKey(ALIGNMENT_KEY)) return DEFAULT_ALIGNMENT;
            if (!types.get(ALIGNMENT_KEY).isInteger()) {
                throw error("GGUF key '" + ALIGNMENT_KEY + "' is " + types.get(ALIGNMENT_KEY) + ", not an integer");
            }
            final long a = (Long) metadata.get(ALIGNMENT_KEY);
            if (a <= 0 || a > MAX_ALIGNMENT || (a & (a - 1)) != 0) {
                throw error("GGUF key '" + ALIGNMENT_KEY + "' = " + a + " is not a power of two in [1, " + MAX_ALIGNMENT + "]");
            }
            return (int) a;
        }

        private GgufValueType valueType(String what) throws IOException {
            final long id = u32(what + " value type");
            final GgufValueType type = GgufValueType.of(id);
            if (type == null) throw error(what + " has unknown value type id " + id);
            return type;
        }

        private Object value(GgufValueType type, String what, int depth) throws IOException {
            switch (type) {
                case UINT8: case INT8: case UINT16: case INT16: case UINT32: case INT32: case UINT64: case INT64:
                    return integer(type, what);
                case FLOAT32: return (double) Float.intBitsToFloat(i32(what));
                case FLOAT64: return Double.longBitsToDouble(i64(what));
                case BOOL: return bool(what);
                case STRING: return string(what, -1);
                case ARRAY: return array(what, depth + 1);
                default: throw new AssertionError(type);
            }
        }

        private long integer(GgufValueType type, String what) throws IOException {
            switch (type) {
                case UINT8: return u8(what);
                case INT8: return (byte) u8(what);
                case UINT16: return u16(what);
                case INT16: return (short) u16(what);
                case UINT32: return u32(what);
                case INT32: return i32(what);
                default: return i64(what);
            }
        }

        private boolean bool(String what) throws IOException {
            final int b = u8(what);
            if (b > 1) throw error(what + " has BOOL value " + b + " (expected 0 or 1)");
            return b == 1;
        }

        private GgufArray array(String what, int depth) throws IOException {
            if (depth > MAX_NESTING) throw error(what + " nests arrays deeper than " + MAX_NESTING + " levels");
            final GgufValueType type = valueType(what + " array element");
            final long n = i64(what + " array length");
            if (n < 0 || n > MAX_ARRAY || n > remaining() / type.minBytes()) {
                throw error(what + " has array length " + Long.toUnsignedString(n) + ", larger than the file could hold ("
                        + remaining() + " bytes remain)");
            }
            final int len = (int) n;
            if (type.isInteger()) {
                final long[] v = new long[len];
                for (int i = 0; i < len; i++) v[i] = integer(type, what);
                return GgufArray.ofLongs(type, v);
            }
            if (type.isFloat()) {
                final double[] v = new double[len];
                if (type == GgufValueType.FLOAT32) for (int i = 0; i < len; i++) v[i] = Float.intBitsToFloat(i32(what));
                else for (int i = 0; i < len; i++) v[i] = Double.longBitsToDouble(i64(what));
                return GgufArray.ofDoubles(type, v);
            }
            if (type == GgufValueType.BOOL) {
                final boolean[] v = new boolean[len];
                for (int i = 0; i < len; i++) v[i] = bool(what);
                return GgufArray.ofBooleans(v);
            }
            final Object[] v = new Object[len];
            if (type == GgufValueType.STRING) for (int i = 0; i < len; i++) v[i] = string(what, i);
            else for (int i = 0; i < len; i++) v[i] = array(what + " element " + i, depth + 1);
            return GgufArray.ofObjects(type, v);
        }

        /** A string; {@code index} ≥ 0 names the element of a STRING array in messages. */
        private String string(String what, long index) throws IOException {
            final long n = i64(what);
            if (n < 0 || n > remaining() || n > MAX_ARRAY) {
                throw error(element(what, index) + " has string length " + Long.toUnsignedString(n) + ", larger than the "
                        + remaining() + " bytes left in the file");
            }
            final byte[] bytes = bytes((int) n, what);
            try {
                final CharBuffer chars = utf8.decode(ByteBuffer.wrap(bytes));
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw error(element(what, index) + " is not valid UTF-8");
            }
        }

        private static String element(String what, long index) {
            return index < 0 ? what : what + " element " + index;
        }

        private long pos() {
            return bufStart + buf.position();
        }

        private long remaining() {
            return size - pos();
        }

        /** Makes at least {@code n} (≤ buffer capacity) bytes available, or throws that the file ends first. */
        private void need(int n, String what) throws IOException {
            if (buf.remaining() >= n) return;
            if (n > remaining()) {
                throw error("truncated GGUF header: " + what + " needs " + n + " bytes at byte " + pos() + " but the file has " + size + " bytes");
            }
            bufStart += buf.position();
            buf.compact();
            while (buf.position() < n) {
                final int read = channel.read(buf, bufStart + buf.position());
                if (read < 0) {
                    throw error("truncated GGUF header: " + what + " at byte " + bufStart + " (the file ended while reading)");
                }
            }
            buf.flip();
        }

        private int u8(String what) throws IOException {
            need(1, what);
            return buf.get() & 0xff;
        }

        private int u16(String what) throws IOException {
            need(2, what);
            return buf.getShort() & 0xffff;
        }

        private int i32(String what) throws IOException {
            need(4, what);
            return buf.getInt();
        }

        private long u32(String what) throws IOException {
            return i32(what) & 0xffffffffL;
        }

        private long i64(String what) throws IOException {
            need(8, what);
            return buf.getLong();
        }

        private byte[] bytes(int n, String what) throws IOException {
            final byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                if (!buf.hasRemaining()) need(1, what);
                final int k = Math.min(buf.remaining(), n - done);
                buf.get(out, done, k);
                done += k;
            }
            return out;
        }

        private IOException error(String message) {
            return new IOException(path + ": " + message);
        }

        private static String printable(int magic) {
            final StringBuilder s = new StringBuilder("'");
            for (int i = 0; i < 4; i++) {
                final int c = (magic >>> (8 * i)) & 0xff;
                s.append(c >= 0x20 && c < 0x7f ? Character.toString((char) c) : String.format("\\x%02x", c));
            }
            return s.append('\'').toString();
        }
    }
}
