package io.github.cospadi.models.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A protobuf wire-format reader over a byte range: fields are read as (number, wire type) tags followed by a varint,
 * a fixed64, a length-delimited slice or a fixed32. Every read is bounds-checked; truncated or malformed input throws
 * {@link IllegalArgumentException} naming the offset.
 */
public final class ProtoReader {
    public static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

    private final ByteBuffer buffer; // little-endian, absolute positions
    private int pos;
    private final int end;
    private int tag;

    public ProtoReader(ByteBuffer buffer, int from, int to) {
        if (from < 0 || to > buffer.limit() || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") outside a buffer of " + buffer.limit() + " bytes");
        }
        this.buffer = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.pos = from;
        this.end = to;
    }

    public static ProtoReader of(byte[] bytes) {
        return new ProtoReader(ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    /** Advances to the next field; false at the end of the range. */
    public boolean next() {
        if (pos >= end) return false;
        final long t = varint();
        if (t >>> 32 != 0 || (t >>> 3) == 0) throw new IllegalArgumentException("malformed protobuf tag " + t + " before offset " + pos);
        tag = (int) t;
        return true;
    }

    public int field() {
        return tag >>> 3;
    }

    public int wireType() {
        return tag & 7;
    }

    public long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw new IllegalArgumentException("truncated protobuf varint at offset " + pos);
            final byte b = buffer.get(pos++);
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) return result;
        }
        throw new IllegalArgumentException("malformed protobuf varint (more than 10 bytes) at offset " + pos);
    }

    /** The payload of a length-delimited field as a reader over its bytes. */
    public ProtoReader message() {
        final int[] r = slice();
        return new ProtoReader(buffer, r[0], r[1]);
    }

    /** [from, to) of a length-delimited payload in the underlying buffer. */
    public int[] slice() {
        expect(LENGTH_DELIMITED);
        final long len = varint();
        if (len < 0 || len > end - pos) {
            throw new IllegalArgumentException("truncated protobuf field " + field() + ": length " + len + " at offset " + pos
                    + " but only " + (end - pos) + " bytes remain");
        }
        final int from = pos;
        pos += (int) len;
        return new int[]{from, pos};
    }

    public String string() {
        final int[] r = slice();
        final byte[] b = new byte[r[1] - r[0]];
        buffer.get(r[0], b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** True while bytes remain in this reader's range (for packed repeated fields). */
    public boolean hasMore() {
        return pos < end;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Skips the current field's value. */
    public void skip() {
        switch (wireType()) {
            case VARINT: varint(); break;
            case FIXED64: advance(8); break;
            case LENGTH_DELIMITED: slice(); break;
            case FIXED32: advance(4); break;
            default: throw new IllegalArgumentException("unsupported protobuf wire type " + wireType() + " of field " + field() + " at offset " + pos);
        }
    }

    private void advance(int n) {
        if (n > end - pos) throw new IllegalArgumentException("truncated protobuf field " + field() + " at offset " + pos);
        pos += n;
    }

    private void expect(int wire) {
        if (wireType() != wire) {
            throw new IllegalArgumentException("protobuf field " + field() + " has wire type " + wireType() + ", expected " + wire + " (offset " + pos + ")");
        }
    }
}
