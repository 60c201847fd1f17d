package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file: tensors are added (float or double data, stored as F32, F64, F16 or BF16), then
 * {@link #write(Path)} writes the header and the data to a temporary file in the target directory and moves it into
 * place atomically, so an interrupted write never leaves a partial file under the final name.
 */
public final class SafeTensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, float[] floats, double[] doubles, FloatSource source) {
        long bytes() {
            long n = 1;
            for (long d : shape) n *= d;
            return n * dtype.bytes();
        }
    }

    /** Produces a tensor's float data (row-major) while {@link #write} runs. */
    @FunctionalInterface
    public interface FloatSource {
        float[] get() throws IOException;
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a tensor from float data (row-major); {@code dtype} is F32, F16 or BF16 (or F64). The array is not copied. */
    public SafeTensorsWriter add(String name, DType dtype, long[] shape, float[] data) {
        check(name, dtype, shape, data.length);
        entries.put(name, new Entry(name, dtype, shape.clone(), data, null, null));
        return this;
    }

    /**
     * Adds a tensor whose float data {@code source} produces during {@link #write}, one tensor at a time, so the
     * tensors of a file need not all be in memory at once; {@code dtype} is F32, F16, BF16 or F64. The array produced
     * must have the shape's element count.
     */
    public SafeTensorsWriter add(String name, DType dtype, long[] shape, FloatSource source) {
        long n = 1;
        for (long d : shape) n = d < 0 ? -1 : Math.multiplyExact(n, d);
        check(name, dtype, shape, n);
        entries.put(name, new Entry(name, dtype, shape.clone(), null, null, source));
        return this;
    }

    /** Adds a tensor from double data; {@code dtype} is F64 or F32/F16/BF16 (rounded). The array is not copied. */
    public SafeTensorsWriter add(String name, DType dtype, long[] shape, double[] data) {
        check(name, dtype, shape, data.length);
        entries.put(name, new Entry(name, dtype, shape.clone(), null, data, null));
        return this;
    }

    /** Adds a {@code __metadata__} entry. */
    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    private void check(String name, DType dtype, long[] shape, long length) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        if (entries.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        if (!dtype.isFloating()) throw new IllegalArgumentException("tensor '" + name + "': dtype " + dtype + " is not supported for writing");
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has " + n
                    + " elements but the data has " + length);
        }
    }

    /** Writes the file atomically (temporary file in the same directory, then a move). */
    public void write(Path target) throws IOException {
        final StringBuilder h = new StringBuilder("{");
        boolean first = true;
        if (!metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            boolean f = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!f) h.append(',');
                f = false;
                h.append(quote(e.getKey())).append(':').append(quote(e.getValue()));
            }
            h.append('}');
            first = false;
        }
        long offset = 0;
        final List<Entry> order = new ArrayList<>(entries.values());
        for (Entry e : order) {
            if (!first) h.append(',');
            first = false;
            h.append(quote(e.name)).append(":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[");
            for (int i = 0; i < e.shape.length; i++) h.append(i > 0 ? "," : "").append(e.shape[i]);
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + e.bytes()).append("]}");
            offset += e.bytes();
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        final int padded = (header.length + 7) / 8 * 8; // align the data section to 8 bytes, padding with spaces
        if (padded != header.length) {
            final byte[] p = Arrays.copyOf(header, padded);
            Arrays.fill(p, header.length, padded, (byte) ' ');
            header = p;
        }
        final byte[] headerBytes = header;
        AtomicFiles.write(target, ch -> {
            writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes.length));
            writeFully(ch, ByteBuffer.wrap(headerBytes));
            final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : order) writeData(ch, e, buf);
        });
    }

    private static void writeData(FileChannel ch, Entry e, ByteBuffer buf) throws IOException {
        final float[] floats = e.source != null ? e.source.get() : e.floats;
        final int n = floats != null ? floats.length : e.doubles.length;
        if (n * (long) e.dtype.bytes() != e.bytes()) {
            throw new IllegalStateException("tensor '" + e.name + "': shape " + Arrays.toString(e.shape) + " needs "
                    + e.bytes() / e.dtype.bytes() + " elements but its source produced " + n);
        }
        buf.clear();
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) {
                buf.flip();
                writeFully(ch, buf);
                buf.clear();
            }
            final double v = floats != null ? floats[i] : e.doubles[i];
            switch (e.dtype) {
                case F64: buf.putDouble(v); break;
                case F32: buf.putFloat((float) v); break;
                case F16: buf.putShort(Half.floatToF16((float) v)); break;
                case BF16: buf.putShort(Half.floatToBf16((float) v)); break;
                default: throw new AssertionError(e.dtype);
            }
        }
        buf.flip();
        writeFully(ch, buf);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static String quote(String s) {
        return io.github.cospadi.internal.JsonStrings.quote(s);
    }
}
