package io.github.cospadi.io;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The cospadi file format for compressed matrices (docs/format.md): a header with magic {@code CSPD} and a version,
 * named matrices each stored as shapes, the dictionary (F32 or BF16), the code rows (u16 when k ≤ 65535, else u32)
 * and the code values (F32 or BF16), then a trailer with the CRC-32C of everything before it, the total length and
 * the closing magic {@code DPSC}. Writes go to a temporary file in the target directory that is moved into place, so
 * an interrupted write never leaves a partial file; reads verify length and checksum before parsing anything.
 */
public final class CompressedFormat {
    public static final int VERSION = 1;
    private static final byte[] MAGIC = "CSPD".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "DPSC".getBytes(StandardCharsets.US_ASCII);
    private static final int TRAILER = 4 + 8 + 4;
    /** Whole-file reads are limited to one array. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    /** Element type of the stored dictionary and code values. */
    public enum Precision { F32, BF16 }

    private CompressedFormat() {}

    /** Writes named matrices (a whole model, or one matrix under any name). */
    public static void write(Path target, Map<String, CompressedMatrix> matrices, Precision precision) throws IOException {
        long size = 4 + 2 + 2 + 4;
        for (Map.Entry<String, CompressedMatrix> e : matrices.entrySet()) size += entryBytes(e.getKey(), e.getValue(), precision);
        size += TRAILER;
        if (size > MAX_BYTES) throw new IllegalArgumentException("model of " + size + " bytes exceeds the 2 GiB limit of format version 1");
        final ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) (precision == Precision.BF16 ? 1 : 0)).putInt(matrices.size());
        for (Map.Entry<String, CompressedMatrix> e : matrices.entrySet()) putEntry(b, e.getKey(), e.getValue(), precision);
        final CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).putLong(size).put(END);
        b.flip();
        AtomicFiles.write(target, ch -> {
            while (b.hasRemaining()) ch.write(b);
        });
    }

    /** Reads every matrix of a file (their reports are null: reports are not stored). */
    public static Map<String, CompressedMatrix> read(Path path) throws IOException {
        final long size = Files.size(path);
        if (size < 12 + TRAILER) throw new IOException(path + ": truncated cospadi file (" + size + " bytes)");
        if (size > MAX_BYTES) throw new IOException(path + ": " + size + " bytes exceeds the 2 GiB limit of format version 1");
        final byte[] bytes = Files.readAllBytes(path);
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            if (bytes[i] != MAGIC[i]) throw new IOException(path + ": not a cospadi file (bad magic)");
        }
        final int end = bytes.length - TRAILER;
        for (int i = 0; i < 4; i++) {
            if (bytes[bytes.length - 4 + i] != END[i]) {
                throw new IOException(path + ": truncated or corrupt cospadi file: the closing magic is missing");
            }
        }
        final long declared = b.getLong(end + 4);
        if (declared != bytes.length) {
            throw new IOException(path + ": truncated cospadi file: trailer declares " + declared + " bytes, file has " + bytes.length);
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, end);
        final int stored = b.getInt(end);
        if (stored != (int) crc.getValue()) {
            throw new IOException(path + ": corrupt cospadi file: checksum " + Integer.toHexString((int) crc.getValue())
                    + " does not match the stored " + Integer.toHexString(stored));
        }
        b.position(4);
        final int version = b.getShort() & 0xffff;
        if (version != VERSION) throw new IOException(path + ": cospadi format version " + version + " is not supported (this reader: " + VERSION + ")");
        final Precision precision = (b.getShort() & 0xffff) == 1 ? Precision.BF16 : Precision.F32;
        final int count = b.getInt();
        final Map<String, CompressedMatrix> out = new LinkedHashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                final int nameLength = b.getShort() & 0xffff;
                final byte[] name = new byte[nameLength];
                b.get(name);
                out.put(new String(name, StandardCharsets.UTF_8), getMatrix(b, precision, end));
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new IOException(path + ": corrupt cospadi file: " + e, e);
        }
        if (b.position() != end) throw new IOException(path + ": corrupt cospadi file: " + (end - b.position()) + " unexplained bytes");
        return out;
    }

    private static long entryBytes(String name, CompressedMatrix c, Precision p) {
        final long d1 = c.inFeatures(), d2 = c.outFeatures(), k = c.atoms(), s = c.nonzerosPerColumn();
        final int value = p == Precision.BF16 ? 2 : 4, index = k <= 65535 ? 2 : 4;
        return 2 + name.getBytes(StandardCharsets.UTF_8).length + 16 + d1 * k * value + d2 * s * (index + value);
    }

    private static void putEntry(ByteBuffer b, String name, CompressedMatrix c, Precision p) {
        final byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 65535) throw new IllegalArgumentException("matrix name longer than 65535 bytes");
        b.putShort((short) n.length).put(n);
        b.putInt(c.inFeatures()).putInt(c.outFeatures()).putInt(c.atoms()).putInt(c.nonzerosPerColumn());
        for (float v : c.dictionaryView().data) putValue(b, v, p);
        final boolean shortIndex = c.atoms() <= 65535;
        for (int r : c.codes().rowIndices()) {
            if (shortIndex) b.putShort((short) r);
            else b.putInt(r);
        }
        for (float v : c.codes().values()) putValue(b, v, p);
    }

    private static CompressedMatrix getMatrix(ByteBuffer b, Precision p, int end) {
        final int d1 = b.getInt(), d2 = b.getInt(), k = b.getInt(), s = b.getInt();
        if (d1 < 1 || d2 < 1 || k < 1 || s < 1 || s > k) {
            throw new IllegalArgumentException("invalid shapes inFeatures=" + d1 + " outFeatures=" + d2 + " k=" + k + " s=" + s);
        }
        final int value = p == Precision.BF16 ? 2 : 4, index = k <= 65535 ? 2 : 4;
        final long need = (long) d1 * k * value + (long) d2 * s * (index + value);
        if (need > end - b.position()) throw new IllegalArgumentException("matrix of " + need + " bytes runs past the end of the data");
        final FMatrixRMaj d = new FMatrixRMaj(d1, k);
        for (int i = 0; i < d.data.length; i++) d.data[i] = getValue(b, p);
        final int[] rows = new int[d2 * s];
        for (int i = 0; i < rows.length; i++) rows[i] = index == 2 ? b.getShort() & 0xffff : b.getInt();
        final float[] values = new float[d2 * s];
        for (int i = 0; i < values.length; i++) values[i] = getValue(b, p);
        return new CompressedMatrix(d, new ColumnSparseMatrix(k, d2, s, rows, values), null);
    }

    private static void putValue(ByteBuffer b, float v, Precision p) {
        if (p == Precision.BF16) b.putShort(Half.floatToBf16(v));
        else b.putFloat(v);
    }

    private static float getValue(ByteBuffer b, Precision p) {
        return p == Precision.BF16 ? Half.bf16ToFloat(b.getShort()) : b.getFloat();
    }
}
