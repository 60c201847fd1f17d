package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import io.github.cospadi.internal.JsonParser;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader of the safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping
 * tensor names to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header), an
 * optional {@code __metadata__} string map, then the raw little-endian data. The whole header is validated against
 * the file on {@link #open}: a truncated or corrupt file is rejected before any tensor is read.
 *
 * <p>Reads go through a {@link FileChannel} in bounded chunks, so files and tensors beyond 2 GiB work on Java 17.
 * Not thread-safe for concurrent reads of one instance.
 */
public final class SafeTensors implements AutoCloseable {
    /** Headers above this size are rejected as corrupt (real headers are kilobytes to a few megabytes). */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    private static final int CHUNK = 1 << 22;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors; // header order
    private final Map<String, String> metadata;

    private SafeTensors(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file. */
    public static SafeTensors open(Path path) throws IOException {
        final FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            final long size = channel.size();
            if (size < 8) throw new IOException(path + ": truncated safetensors file (" + size + " bytes, no header length)");
            final ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, len, 0, path);
            final long headerLength = len.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
                throw new IOException(path + ": corrupt safetensors header length " + headerLength + " (file has " + size + " bytes)");
            }
            if (8 + headerLength > size) {
                throw new IOException(path + ": truncated safetensors file: header of " + headerLength + " bytes but only "
                        + (size - 8) + " bytes follow the length");
            }
            final ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8, path);
            final String json = new String(header.array(), StandardCharsets.UTF_8);
            final Map<String, Object> root;
            try {
                root = JsonParser.parseObject(json, path + " header");
            } catch (IllegalArgumentException e) {
                throw new IOException(path + ": corrupt safetensors header: " + e.getMessage(), e);
            }
            final long dataStart = 8 + headerLength;
            final long dataSize = size - dataStart;
            final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = Map.of();
            for (Map.Entry<String, Object> e : root.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    metadata = metadata(e.getValue(), path);
                    continue;
                }
                tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), dataSize, path));
            }
            final List<TensorInfo> sorted = new ArrayList<>(tensors.values());
            sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
            for (int i = 1; i < sorted.size(); i++) {
                final TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
                if (b.begin() < a.end()) {
                    throw new IOException(path + ": corrupt safetensors header: tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                            + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
                }
            }
            return new SafeTensors(path, channel, dataStart, Collections.unmodifiableMap(tensors), metadata);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static Map<String, String> metadata(Object value, Path path) throws IOException {
        if (!(value instanceof Map)) throw new IOException(path + ": corrupt safetensors header: __metadata__ is not an object");
        final Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            if (!(e.getValue() instanceof String)) {
                throw new IOException(path + ": corrupt safetensors header: __metadata__ value of '" + e.getKey() + "' is not a string");
            }
            out.put((String) e.getKey(), (String) e.getValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo tensor(String name, Object value, long dataSize, Path path) throws IOException {
        final String where = path + ": corrupt safetensors header: tensor '" + name + "'";
        if (!(value instanceof Map)) throw new IOException(where + " is not an object");
        final Map<?, ?> m = (Map<?, ?>) value;
        if (!(m.get("dtype") instanceof String)) throw new IOException(where + " has no dtype");
        final DType dtype;
        try {
            dtype = DType.parse((String) m.get("dtype"), name);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
        if (!(m.get("shape") instanceof List)) throw new IOException(where + " has no shape");
        final List<?> shapeList = (List<?>) m.get("shape");
        final long[] shape = new long[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long) || (Long) shapeList.get(i) < 0) {
                throw new IOException(where + " has an invalid dimension " + shapeList.get(i));
            }
            shape[i] = (Long) shapeList.get(i);
        }
        if (!(m.get("data_offsets") instanceof List) || ((List<?>) m.get("data_offsets")).size() != 2
                || !(((List<?>) m.get("data_offsets")).get(0) instanceof Long) || !(((List<?>) m.get("data_offsets")).get(1) instanceof Long)) {
            throw new IOException(where + " has no valid data_offsets [begin, end]");
        }
        final long begin = (Long) ((List<?>) m.get("data_offsets")).get(0), end = (Long) ((List<?>) m.get("data_offsets")).get(1);
        if (begin < 0 || end < begin) throw new IOException(where + " has data_offsets [" + begin + ", " + end + ")");
        if (end > dataSize) {
            throw new IOException(path + ": truncated safetensors file: tensor '" + name + "' ends at byte " + end
                    + " of the data section but the file holds only " + dataSize + " data bytes");
        }
        long elements = 1;
        for (long d : shape) {
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IOException(where + " has an overflowing shape");
            }
        }
        final long bytes;
        try {
            bytes = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new IOException(where + " has shape " + java.util.Arrays.toString(shape) + " of " + dtype + " whose byte size overflows");
        }
        if ((end - begin) != bytes) {
            throw new IOException(where + " has " + (end - begin) + " data bytes but its shape " + java.util.Arrays.toString(shape)
                    + " of " + dtype + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path path) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            final int n = channel.read(buffer, pos);
            if (n < 0) throw new IOException(path + ": unexpected end of file at byte " + pos);
            pos += n;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** True when the file holds a tensor of that name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of a tensor. */
    public TensorInfo info(String name) {
        final TensorInfo info = tensors.get(name);
        if (info == null) {
            final List<String> some = names().subList(0, Math.min(5, tensors.size()));
            throw new IllegalArgumentException(path + " has no tensor '" + name + "' (it has " + tensors.size() + " tensors, e.g. " + some + ")");
        }
        return info;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Any floating tensor as a flat float array (row-major), converting F64, F16 and BF16. */
    public float[] readFloatArray(String name) throws IOException {
        final TensorInfo info = floating(name);
        final long n = info.elements();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements, too many for one array");
        final float[] out = new float[(int) n];
        read(info, (buf, from, count) -> {
            switch (info.dtype()) {
                case F32: buf.asFloatBuffer().get(out, from, count); break;
                case F64: for (int i = 0; i < count; i++) out[from + i] = (float) buf.getDouble(8 * i); break;
                case F16: for (int i = 0; i < count; i++) out[from + i] = Half.f16ToFloat(buf.getShort(2 * i)); break;
                case BF16: for (int i = 0; i < count; i++) out[from + i] = Half.bf16ToFloat(buf.getShort(2 * i)); break;
                default: throw new AssertionError(info.dtype());
            }
        });
        return out;
    }

    /** Any floating tensor as a flat double array (row-major). */
    public double[] readDoubleArray(String name) throws IOException {
        final TensorInfo info = floating(name);
        final long n = info.elements();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements, too many for one array");
        final double[] out = new double[(int) n];
        read(info, (buf, from, count) -> {
            switch (info.dtype()) {
                case F64: buf.asDoubleBuffer().get(out, from, count); break;
                case F32: for (int i = 0; i < count; i++) out[from + i] = buf.getFloat(4 * i); break;
                case F16: for (int i = 0; i < count; i++) out[from + i] = Half.f16ToFloat(buf.getShort(2 * i)); break;
                case BF16: for (int i = 0; i < count; i++) out[from + i] = Half.bf16ToFloat(buf.getShort(2 * i)); break;
                default: throw new AssertionError(info.dtype());
            }
        });
        return out;
    }

    /** A rank-2 floating tensor as an EJML float matrix (rows × cols = shape[0] × shape[1]). */
    public FMatrixRMaj readFloat(String name) throws IOException {
        final TensorInfo info = matrix(name);
        return FMatrixRMaj.wrap((int) info.shape()[0], (int) info.shape()[1], readFloatArray(name));
    }

    /** A rank-2 floating tensor as an EJML double matrix. */
    public DMatrixRMaj readDouble(String name) throws IOException {
        final TensorInfo info = matrix(name);
        return DMatrixRMaj.wrap((int) info.shape()[0], (int) info.shape()[1], readDoubleArray(name));
    }

    private TensorInfo floating(String name) {
        final TensorInfo info = info(name);
        if (!info.dtype().isFloating()) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has dtype " + info.dtype() + ", not a floating type");
        }
        return info;
    }

    private TensorInfo matrix(String name) {
        final TensorInfo info = floating(name);
        if (info.shape().length != 2) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has rank " + info.shape().length + " "
                    + java.util.Arrays.toString(info.shape()) + ", expected a matrix (rank 2)");
        }
        if (info.shape()[0] > Integer.MAX_VALUE || info.shape()[1] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(info.shape())
                    + ", too large for a matrix (each dimension at most " + Integer.MAX_VALUE + ")");
        }
        return info;
    }

    @FunctionalInterface
    private interface ChunkSink {
        void accept(ByteBuffer chunk, int firstElement, int count);
    }

    private void read(TensorInfo info, ChunkSink sink) throws IOException {
        final int width = info.dtype().bytes();
        final int perChunk = CHUNK / width;
        final ByteBuffer buf = ByteBuffer.allocate(perChunk * width).order(ByteOrder.LITTLE_ENDIAN);
        final long n = info.elements();
        for (long first = 0; first < n; first += perChunk) {
            final int count = (int) Math.min(perChunk, n - first);
            buf.clear().limit(count * width);
            readFully(channel, buf, dataStart + info.begin() + first * width, path);
            buf.flip();
            sink.accept(buf.slice().order(ByteOrder.LITTLE_ENDIAN), (int) first, count);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
