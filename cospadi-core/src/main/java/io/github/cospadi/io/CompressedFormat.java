package io.github.cospadi.io;

import io.github.cospadi.internal.Half;
import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.internal.Checks;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.kernel.CompressedLinear;
import io.github.cospadi.kernel.LinearOperator;
import io.github.cospadi.kernel.OutputCompressedLinear;
import io.github.cospadi.sparse.ColumnSparseMatrix;
import io.github.cospadi.sparse.Int8ColumnCodes;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The cospadi file format for compressed matrices (docs/format.md): a header with magic {@code CSPD}, a version and a
 * layout, named matrices each stored as shapes and then, by layout, the dictionary (F32 or BF16) and the codes as
 * rows (u16 when k ≤ 65535, else u32) + values, or as a k × d2 bitmask + packed values (the paper's compact form,
 * int8 codes), then a trailer with the CRC-32C of everything before it, the total length and
 * the closing magic {@code DPSC}. Writes go to a temporary file in the target directory that is moved into place, so
 * an interrupted write never leaves a partial file; reads verify length and checksum before parsing anything.
 */
public final class CompressedFormat {
    /**
     * Written version; the reader also accepts versions 3 (no group table: every matrix has its own dictionary), 2 (no
     * orientation byte either: every matrix INPUT) and 1 (layouts F32 and BF16 only).
     */
    public static final int VERSION = 4;
    /** The group field of a matrix with its own dictionary. */
    private static final int NO_GROUP = -1;
    private static final byte[] MAGIC = "CSPD".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "DPSC".getBytes(StandardCharsets.US_ASCII);
    private static final int TRAILER = 4 + 8 + 4;
    /** Whole-file reads are limited to one array. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    /** How a file stores the dictionary and the codes (one layout per file; the header's u16 is the ordinal). */
    public enum Precision {
        /** D and code values in float32, rows as indices: exact. */
        F32,
        /** D and code values rounded to bf16, rows as indices. */
        BF16,
        /**
         * The paper's compact form (paper.md §3): D in bf16, a k × d2 bitmask of the support, each code value as the
         * top 14 bits of its bf16 (= {@link io.github.cospadi.Quantization#paperCompact}(c, 14)).
         */
        COMPACT,
        /**
         * D·diag(r) in float32 and the bitmask, one float32 scale per column and int8 values of diag(r)⁻¹·S
         * ({@link io.github.cospadi.Quantization#int8Codes}: atoms balanced, then {@link Int8ColumnCodes}).
         */
        INT8
    }

    private CompressedFormat() {}

    /**
     * Writes named matrices (a whole model, or one matrix under any name). Matrices whose {@link
     * CompressedMatrix#dictionaryView()} is the same object (the members of a {@link io.github.cospadi.CompressedGroup})
     * share one entry of the group table: the dictionary is stored once (docs/format.md, version 4).
     *
     * @throws IllegalArgumentException when matrices sharing a dictionary differ in orientation or in s
     */
    public static void write(Path target, Map<String, CompressedMatrix> matrices, Precision precision) throws IOException {
        // the group table: every dictionary object referenced by two or more matrices, in order of first use
        final Map<FMatrixRMaj, List<String>> users = new java.util.IdentityHashMap<>();
        final List<FMatrixRMaj> order = new ArrayList<>();
        for (Map.Entry<String, CompressedMatrix> e : matrices.entrySet()) {
            final FMatrixRMaj d = e.getValue().dictionaryView();
            if (!users.containsKey(d)) order.add(d);
            users.computeIfAbsent(d, x -> new ArrayList<>()).add(e.getKey());
        }
        final List<FMatrixRMaj> groups = new ArrayList<>();
        final Map<FMatrixRMaj, Integer> groupIndex = new java.util.IdentityHashMap<>();
        final Map<FMatrixRMaj, FMatrixRMaj> storedDictionary = new java.util.IdentityHashMap<>();
        final Map<String, ColumnSparseMatrix> storedCodes = new java.util.HashMap<>();
        for (FMatrixRMaj d : order) {
            final List<String> names = users.get(d);
            if (names.size() < 2) continue;
            final CompressedMatrix first = matrices.get(names.get(0));
            long columns = 0;
            for (String n : names) {
                final CompressedMatrix c = matrices.get(n);
                if (c.orientation() != first.orientation()) {
                    throw new IllegalArgumentException("matrices " + names + " share a dictionary but '" + n + "' is " + c.orientation()
                            + ", '" + names.get(0) + "' " + first.orientation());
                }
                if (c.nonzerosPerColumn() != first.nonzerosPerColumn()) {
                    throw new IllegalArgumentException("matrices " + names + " share a dictionary but '" + n + "' has s=" + c.nonzerosPerColumn()
                            + ", '" + names.get(0) + "' s=" + first.nonzerosPerColumn());
                }
                columns += c.codes().numCols();
            }
            if (d.numCols > columns) { // the reader refuses such a group: no CompressedGroup has one (Budget: k ≤ columns)
                throw new IllegalArgumentException("matrices " + names + " share a dictionary of k=" + d.numCols + " atoms but code only "
                        + columns + " columns together (a shared dictionary has k at most the coded columns)");
            }
            groupIndex.put(d, groups.size());
            groups.add(d);
            if (precision == Precision.INT8) { // one balance for all members (Quantization.balanceAtoms of the group)
                final List<CompressedMatrix> members = new ArrayList<>();
                for (String n : names) members.add(matrices.get(n));
                final io.github.cospadi.CompressedGroup balanced = io.github.cospadi.Quantization.balanceAtoms(
                        new io.github.cospadi.CompressedGroup(d, members, new io.github.cospadi.Budget(d.numRows, (int) columns,
                                d.numCols, first.nonzerosPerColumn())));
                storedDictionary.put(d, balanced.dictionaryView());
                for (int i = 0; i < names.size(); i++) storedCodes.put(names.get(i), balanced.member(i).codes());
            } else {
                storedDictionary.put(d, d);
            }
        }
        long size = 4 + 2 + 2 + 4 + 4;
        for (FMatrixRMaj d : groups) size += 8 + dictionaryBytes(d.numRows, d.numCols, precision);
        for (Map.Entry<String, CompressedMatrix> e : matrices.entrySet()) {
            size += entryBytes(e.getKey(), e.getValue(), precision, groupIndex.containsKey(e.getValue().dictionaryView()));
        }
        size += TRAILER;
        if (size > MAX_BYTES) throw new IllegalArgumentException("model of " + size + " bytes exceeds the 2 GiB limit of format version 1");
        final ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) precision.ordinal()).putInt(matrices.size());
        b.putInt(groups.size());
        for (FMatrixRMaj d : groups) {
            final FMatrixRMaj stored = storedDictionary.get(d);
            b.putInt(stored.numRows).putInt(stored.numCols);
            for (float v : stored.data) putValue(b, v, dictionaryPrecision(precision));
        }
        for (Map.Entry<String, CompressedMatrix> e : matrices.entrySet()) {
            final Integer g = groupIndex.get(e.getValue().dictionaryView());
            putEntry(b, e.getKey(), e.getValue(), precision, g == null ? NO_GROUP : g, storedCodes.get(e.getKey()));
        }
        final CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).putLong(size).put(END);
        b.flip();
        AtomicFiles.write(target, ch -> {
            while (b.hasRemaining()) ch.write(b);
        });
    }

    /**
     * Reads every matrix of a file (their reports are null: reports are not stored). The members of a group of a
     * version-4 file reference one dictionary object.
     */
    public static Map<String, CompressedMatrix> read(Path path) throws IOException {
        final Map<String, CompressedMatrix> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : readEntries(path).entrySet()) out.put(e.getKey(), e.getValue().matrix);
        return out;
    }

    /**
     * Reads every matrix of a file as a run-time layer: an INT8 file gives int8 layers built from the stored bytes
     * (exactly the layers {@code CompressedLinear.of(c, INT8)} made from the factors that were written), any other
     * layout exact float layers of what it stores.
     */
    public static Map<String, LinearOperator> readLayers(Path path) throws IOException {
        return readLayers(path, null);
    }

    /**
     * Reads every matrix of a file as a run-time layer with codes at {@code codes}: int8 layers of an INT8 file come
     * from its stored bytes as they are (no second quantization); everything else is {@code LinearOperator.of(c,
     * codes)} of the stored factors. {@code codes} null keeps each file's own precision ({@link #readLayers(Path)}).
     */
    public static Map<String, LinearOperator> readLayers(Path path, CompressedLinear.CodePrecision codes) throws IOException {
        final Map<String, LinearOperator> out = new LinkedHashMap<>();
        final Map<String, Entry> entries = readEntries(path);
        // the members of a group: one run-time Dᵀ for all (CompressedLinear.group)
        final Map<Integer, List<String>> members = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getValue().group != NO_GROUP) members.computeIfAbsent(e.getValue().group, g -> new ArrayList<>()).add(e.getKey());
        }
        final Map<String, LinearOperator> grouped = new java.util.HashMap<>();
        for (List<String> names : members.values()) {
            final CompressedMatrix first = entries.get(names.get(0)).matrix;
            final FMatrixRMaj d = first.dictionaryView();
            final boolean output = first.orientation() == Orientation.OUTPUT;
            final boolean storedInt8 = entries.get(names.get(0)).int8 != null;
            final List<? extends LinearOperator> layers;
            if (storedInt8 && codes != CompressedLinear.CodePrecision.F32) {
                final List<Int8ColumnCodes> stored = new ArrayList<>();
                for (String n : names) stored.add(entries.get(n).int8);
                layers = output ? OutputCompressedLinear.groupOfQuantized(d, stored) : CompressedLinear.groupOfQuantized(d, stored);
            } else if (output || codes == CompressedLinear.CodePrecision.INT8) {
                // float layers of what is stored, or int8 codes requested of a float file: through the group's factors
                final List<CompressedMatrix> matrices = new ArrayList<>();
                int columns = 0;
                for (String n : names) {
                    matrices.add(entries.get(n).matrix);
                    columns += entries.get(n).matrix.codes().numCols();
                }
                layers = LinearOperator.group(new io.github.cospadi.CompressedGroup(d, matrices,
                        new io.github.cospadi.Budget(d.numRows, columns, d.numCols, first.nonzerosPerColumn())),
                        codes == null ? CompressedLinear.CodePrecision.F32 : codes);
            } else {
                final List<ColumnSparseMatrix> memberCodes = new ArrayList<>();
                for (String n : names) memberCodes.add(entries.get(n).matrix.codes());
                layers = CompressedLinear.group(d, memberCodes);
            }
            for (int i = 0; i < names.size(); i++) grouped.put(names.get(i), layers.get(i));
        }
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            final Entry entry = e.getValue();
            final LinearOperator layer;
            if (grouped.containsKey(e.getKey())) {
                layer = grouped.get(e.getKey());
            } else if (entry.int8 == null || codes == CompressedLinear.CodePrecision.F32) {
                layer = LinearOperator.of(entry.matrix, codes == null ? CompressedLinear.CodePrecision.F32 : codes);
            } else if (entry.matrix.orientation() == Orientation.OUTPUT) {
                layer = new OutputCompressedLinear(entry.matrix.dictionaryView(), entry.int8);
            } else {
                layer = new CompressedLinear(entry.matrix.dictionaryView(), entry.int8);
            }
            out.put(e.getKey(), layer);
        }
        return out;
    }

    /** One stored matrix, for the INT8 layout its quantized codes as stored, and its group (or NO_GROUP). */
    private static final class Entry {
        final CompressedMatrix matrix;
        final Int8ColumnCodes int8;
        int group = NO_GROUP;

        Entry(CompressedMatrix matrix, Int8ColumnCodes int8) {
            this.matrix = matrix;
            this.int8 = int8;
        }
    }

    private static Map<String, Entry> readEntries(Path path) throws IOException {
        final long size = Files.size(path);
        if (size < 12 + TRAILER) throw new IOException(path + ": truncated cospadi file (" + size + " bytes, at least " + (12 + TRAILER) + " needed)");
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
        b.position(4).limit(end); // the parser never reads the trailer; every length is checked against what is left
        final int version = b.getShort() & 0xffff;
        if (version < 1 || version > VERSION) {
            throw new IOException(path + ": cospadi format version " + version + " is not supported (this reader: 1 to " + VERSION + ")");
        }
        final int layout = b.getShort() & 0xffff;
        if (layout >= (version == 1 ? 2 : Precision.values().length)) {
            throw new IOException(path + ": corrupt cospadi file: unknown layout " + layout + " for version " + version);
        }
        final Precision precision = Precision.values()[layout];
        final Map<String, Entry> out = new LinkedHashMap<>();
        try {
            final long count = b.getInt() & 0xffffffffL;
            // the smallest entry: name length, shapes, and in later versions the orientation byte and the group field
            final int entryHeader = 2 + (version >= 3 ? 1 : 0) + (version >= 4 ? 4 : 0) + 16;
            if (count * entryHeader > b.remaining()) {
                throw new IllegalArgumentException("matrix count " + count + " needs at least " + count * entryHeader + " bytes, the file has "
                        + b.remaining() + " after the header");
            }
            final List<FMatrixRMaj> groups = new ArrayList<>();
            if (version >= 4) {
                need(b, 4, "the group count");
                final long groupCount = b.getInt() & 0xffffffffL;
                if (groupCount * 8 > b.remaining()) {
                    throw new IllegalArgumentException("group table of " + groupCount + " dictionaries runs past the end of the data");
                }
                for (int g = 0; g < groupCount; g++) {
                    need(b, 8, "the shapes of group " + g);
                    final int d1 = b.getInt(), k = b.getInt();
                    if (d1 < 1 || k < 1) throw new IllegalArgumentException("group " + g + " has invalid shapes d1=" + d1 + " k=" + k + at(b, -8));
                    final long need = dictionaryBytes(d1, k, precision);
                    if (need > b.remaining()) {
                        throw new IllegalArgumentException("group " + g + " (" + d1 + "x" + k + " dictionary, " + need + " bytes) runs past the end of the data"
                                + at(b, 0) + ", " + b.remaining() + " bytes left");
                    }
                    final FMatrixRMaj d = new FMatrixRMaj(d1, k);
                    for (int i = 0; i < d.data.length; i++) d.data[i] = getValue(b, dictionaryPrecision(precision));
                    try {
                        Checks.finite("dictionary", d);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("group " + g + ": " + e.getMessage(), e);
                    }
                    groups.add(d);
                }
            }
            final int[] references = new int[groups.size()];
            final Orientation[] groupOrientation = new Orientation[groups.size()];
            final int[] groupS = new int[groups.size()];
            final long[] groupColumns = new long[groups.size()];
            for (int i = 0; i < count; i++) {
                final int start = b.position();
                String matrixName = null;
                try {
                    need(b, 2, "the name length");
                    final int nameLength = b.getShort() & 0xffff;
                    need(b, nameLength + entryHeader - 2, "its header (name, shapes)");
                    final byte[] name = new byte[nameLength];
                    b.get(name);
                    matrixName = utf8(name);
                    final Orientation orientation;
                    if (version >= 3) {
                        final int o = b.get() & 0xff;
                        if (o > 1) throw new IllegalArgumentException("has an unknown orientation " + o + " (0 = INPUT, 1 = OUTPUT)");
                        orientation = Orientation.values()[o];
                    } else {
                        orientation = Orientation.INPUT;
                    }
                    final int group = version >= 4 ? b.getInt() : NO_GROUP;
                    if (group != NO_GROUP && (group < 0 || group >= groups.size())) {
                        throw new IllegalArgumentException("references group " + (group & 0xffffffffL) + " of a table of " + groups.size());
                    }
                    if (group != NO_GROUP && groupOrientation[group] != null && orientation != groupOrientation[group]) {
                        throw new IllegalArgumentException("references group " + group + " but is " + orientation + ", its other members "
                                + groupOrientation[group]);
                    }
                    final Entry entry = getMatrix(b, precision, orientation, group == NO_GROUP ? null : groups.get(group));
                    if (group != NO_GROUP) {
                        final int s = entry.matrix.nonzerosPerColumn();
                        if (groupOrientation[group] != null && s != groupS[group]) {
                            throw new IllegalArgumentException("references group " + group + " but has s=" + s + ", its other members s=" + groupS[group]);
                        }
                        groupOrientation[group] = orientation;
                        groupS[group] = s;
                        groupColumns[group] += entry.matrix.codes().numCols();
                        references[group]++;
                    }
                    entry.group = group;
                    if (out.put(matrixName, entry) != null) throw new IllegalArgumentException("appears twice");
                } catch (IllegalArgumentException e) {
                    final String entry = "entry #" + i + " at byte " + start;
                    throw new IllegalArgumentException(matrixName == null ? entry + ": " + e.getMessage()
                            : "matrix " + quoted(matrixName) + " " + e.getMessage() + " (" + entry + ")", e);
                }
            }
            for (int g = 0; g < references.length; g++) {
                if (references[g] == 0) throw new IllegalArgumentException("group " + g + " of the table is referenced by no matrix");
                if (groups.get(g).numCols > groupColumns[g]) {
                    throw new IllegalArgumentException("group " + g + " has k=" + groups.get(g).numCols + " atoms but its members code only "
                            + groupColumns[g] + " columns (a shared dictionary has k at most the coded columns)");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": corrupt cospadi file: " + e.getMessage(), e);
        }
        if (b.hasRemaining()) throw new IOException(path + ": corrupt cospadi file: " + b.remaining() + " unexplained bytes at byte " + b.position());
        return out;
    }

    /** Throws unless {@code n} more bytes are left before the trailer. */
    private static void need(ByteBuffer b, long n, String what) {
        if (n > b.remaining()) {
            throw new IllegalArgumentException(what + " at byte " + b.position() + " needs " + n + " bytes, " + b.remaining() + " are left before the trailer");
        }
    }

    /** " at byte P" for the current position plus {@code delta}. */
    private static String at(ByteBuffer b, int delta) {
        return " at byte " + (b.position() + delta);
    }

    private static String utf8(byte[] name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("the name (" + name.length + " bytes) is not valid UTF-8");
        }
    }

    /** A name for messages: quoted, control characters escaped, at most 80 characters. */
    private static String quoted(String name) {
        final StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < name.length() && i < 80; i++) {
            final char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) s.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            else s.append(c);
        }
        return s.append(name.length() > 80 ? "...'" : "'").toString();
    }

    private static long entryBytes(String name, CompressedMatrix c, Precision p, boolean grouped) {
        return 2 + name.getBytes(StandardCharsets.UTF_8).length + 1 + 4 + 16
                + (grouped ? 0 : dictionaryBytes(c.dictionaryView().numRows, c.atoms(), p))
                + codeBytes(c.codes().numCols(), c.atoms(), c.nonzerosPerColumn(), p);
    }

    /** Bytes of a d1 × k dictionary: bf16 in BF16 and COMPACT, float32 in F32 and INT8 (saturating: see {@link #times}). */
    private static long dictionaryBytes(long d1, long k, Precision p) {
        return times(times(d1, k), dictionaryPrecision(p) == Precision.BF16 ? 2 : 4);
    }

    /** Bytes of the codes of one matrix, k × d2 with s entries per column (saturating). */
    private static long codeBytes(long d2, long k, long s, Precision p) {
        final long mask = plus(times(k, d2), 7) / 8, entries = times(d2, s);
        switch (p) {
            case F32: return times(entries, (k <= 65535 ? 2 : 4) + 4);
            case BF16: return times(entries, (k <= 65535 ? 2 : 4) + 2);
            case COMPACT: return plus(mask, plus(times(entries, COMPACT_BITS), 7) / 8);
            default: return plus(mask, plus(times(d2, 4), entries));
        }
    }

    /** a·b of non-negative sizes, or Long.MAX_VALUE when it overflows: shapes read from a file may be anything. */
    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** a + b of non-negative sizes, or Long.MAX_VALUE when it overflows. */
    private static long plus(long a, long b) {
        final long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /** The element type of the dictionary in a layout: bf16 in BF16 and COMPACT, float32 in F32 and INT8. */
    private static Precision dictionaryPrecision(Precision p) {
        return p == Precision.BF16 || p == Precision.COMPACT ? Precision.BF16 : Precision.F32;
    }

    /** Bits kept of each bf16 code value in the compact layout (sign, 8 exponent, 5 mantissa). */
    private static final int COMPACT_BITS = 14;

    /**
     * @param group           the group table index, or NO_GROUP: the dictionary follows the shapes
     * @param balancedCodes   INT8 group members: the codes balanced with the group (null otherwise)
     */
    private static void putEntry(ByteBuffer b, String name, CompressedMatrix c, Precision p, int group, ColumnSparseMatrix balancedCodes) {
        final byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 65535) throw new IllegalArgumentException("matrix name longer than 65535 bytes");
        b.putShort((short) n.length).put(n);
        b.put((byte) c.orientation().ordinal());
        b.putInt(group);
        b.putInt(c.inFeatures()).putInt(c.outFeatures()).putInt(c.atoms()).putInt(c.nonzerosPerColumn());
        final ColumnSparseMatrix codes;
        if (group == NO_GROUP) {
            if (p == Precision.INT8) c = io.github.cospadi.Quantization.balanceAtoms(c);
            final Precision dictionary = dictionaryPrecision(p);
            for (float v : c.dictionaryView().data) putValue(b, v, dictionary);
            codes = c.codes();
        } else {
            codes = p == Precision.INT8 ? balancedCodes : c.codes();
        }
        if (p == Precision.F32 || p == Precision.BF16) {
            final boolean shortIndex = c.atoms() <= 65535;
            for (int r : codes.rowIndices()) {
                if (shortIndex) b.putShort((short) r);
                else b.putInt(r);
            }
            for (float v : codes.values()) putValue(b, v, p);
            return;
        }
        b.put(mask(codes));
        if (p == Precision.COMPACT) {
            final Bits bits = new Bits(new byte[(int) (((long) codes.values().length * COMPACT_BITS + 7) / 8)]);
            for (float v : codes.values()) bits.write((Half.floatToBf16(v) & 0xffff) >>> (16 - COMPACT_BITS), COMPACT_BITS);
            b.put(bits.bytes);
        } else {
            final Int8ColumnCodes q = Int8ColumnCodes.of(codes);
            for (float scale : q.scales()) b.putFloat(scale);
            b.put(q.quantized());
        }
    }

    /** The support as a k × d2 bitmask, column-major: bit j·k + row of a little-endian bit stream. */
    private static byte[] mask(ColumnSparseMatrix codes) {
        final int k = codes.numRows(), s = codes.nonzerosPerColumn();
        final byte[] mask = new byte[(int) (((long) k * codes.numCols() + 7) / 8)];
        final int[] rows = codes.rowIndices();
        for (int t = 0; t < rows.length; t++) {
            final long bit = (long) (t / s) * k + rows[t];
            mask[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
        }
        return mask;
    }

    /** A little-endian bit stream over a byte array. */
    private static final class Bits {
        final byte[] bytes;
        long position;

        Bits(byte[] bytes) {
            this.bytes = bytes;
        }

        void write(int value, int count) {
            for (int i = 0; i < count; i++, position++) {
                if ((value >>> i & 1) != 0) bytes[(int) (position >>> 3)] |= (byte) (1 << (position & 7));
            }
        }

        int read(int count) {
            int v = 0;
            for (int i = 0; i < count; i++, position++) v |= (bytes[(int) (position >>> 3)] >>> (position & 7) & 1) << i;
            return v;
        }
    }

    /**
     * One matrix from its shapes on; its messages follow "matrix 'NAME' ".
     *
     * @param shared the group's dictionary, or null when the matrix's own follows its shapes
     */
    private static Entry getMatrix(ByteBuffer b, Precision p, Orientation orientation, FMatrixRMaj shared) {
        final int inFeatures = b.getInt(), outFeatures = b.getInt(), k = b.getInt(), s = b.getInt();
        if (inFeatures < 1 || outFeatures < 1 || k < 1 || s < 1 || s > k) {
            throw new IllegalArgumentException("has invalid shapes inFeatures=" + inFeatures + " outFeatures=" + outFeatures + " k=" + k + " s=" + s
                    + " (all positive, s at most k)");
        }
        // d1 dictionary rows, d2 coded columns
        final int d1 = orientation == Orientation.INPUT ? inFeatures : outFeatures;
        final int d2 = orientation == Orientation.INPUT ? outFeatures : inFeatures;
        if (shared != null && (shared.numRows != d1 || shared.numCols != k)) {
            throw new IllegalArgumentException("(inFeatures=" + d1 + ", k=" + k + ") does not fit its group's "
                    + shared.numRows + "x" + shared.numCols + " dictionary");
        }
        final long need = plus(shared == null ? dictionaryBytes(d1, k, p) : 0, codeBytes(d2, k, s, p));
        if (need > b.remaining()) {
            throw new IllegalArgumentException("(" + d1 + "x" + k + " dictionary" + (shared == null ? "" : " shared") + ", " + d2 + " columns of s=" + s
                    + ") needs " + (need == Long.MAX_VALUE ? "more than 2^63" : need) + " bytes at byte " + b.position() + ", " + b.remaining()
                    + " are left before the trailer");
        }
        // from here every size fits the bytes that are left, so it fits an int
        final FMatrixRMaj d;
        if (shared != null) {
            d = shared;
        } else {
            d = new FMatrixRMaj(d1, k);
            final Precision dictionary = dictionaryPrecision(p);
            for (int i = 0; i < d.data.length; i++) d.data[i] = getValue(b, dictionary);
        }
        try {
            final int[] rows = new int[d2 * s];
            final float[] values = new float[d2 * s];
            if (p == Precision.F32 || p == Precision.BF16) {
                final boolean shortIndex = k <= 65535;
                for (int i = 0; i < rows.length; i++) rows[i] = shortIndex ? b.getShort() & 0xffff : b.getInt();
                for (int i = 0; i < values.length; i++) values[i] = getValue(b, p);
                return new Entry(finite(orientation, d, new ColumnSparseMatrix(k, d2, s, rows, values)), null);
            }
            final byte[] mask = new byte[(int) (((long) k * d2 + 7) / 8)];
            b.get(mask);
            for (int j = 0, t = 0; j < d2; j++) {
                int count = 0;
                for (int r = 0; r < k; r++) {
                    final long bit = (long) j * k + r;
                    if ((mask[(int) (bit >>> 3)] >>> (bit & 7) & 1) != 0) {
                        if (count++ < s) rows[t++] = r;
                    }
                }
                if (count != s) throw new IllegalArgumentException("column " + j + " has " + count + " bits set in the support mask, expected s=" + s);
            }
            if (p == Precision.COMPACT) {
                final Bits bits = new Bits(new byte[(int) (((long) values.length * COMPACT_BITS + 7) / 8)]);
                b.get(bits.bytes);
                for (int i = 0; i < values.length; i++) values[i] = Half.bf16ToFloat((short) (bits.read(COMPACT_BITS) << (16 - COMPACT_BITS)));
                return new Entry(finite(orientation, d, new ColumnSparseMatrix(k, d2, s, rows, values)), null);
            }
            final float[] scales = new float[d2];
            for (int j = 0; j < d2; j++) scales[j] = b.getFloat();
            final byte[] q = new byte[d2 * s];
            b.get(q);
            final Int8ColumnCodes int8 = Int8ColumnCodes.of(k, d2, s, rows, q, scales); // checks scales and the int8 range
            return new Entry(finite(orientation, d, int8.dequantize()), int8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has invalid factors: " + e.getMessage(), e);
        }
    }

    /** The matrix, after checking that no stored dictionary or code value is NaN or infinite. */
    private static CompressedMatrix finite(Orientation orientation, FMatrixRMaj d, ColumnSparseMatrix codes) {
        Checks.finite("dictionary", d);
        final float[] v = codes.values();
        for (int t = 0; t < v.length; t++) {
            if (!Float.isFinite(v[t])) {
                throw new IllegalArgumentException("code value " + t % codes.nonzerosPerColumn() + " of column " + t / codes.nonzerosPerColumn() + " is " + v[t]);
            }
        }
        return new CompressedMatrix(orientation, d, codes, null);
    }

    private static void putValue(ByteBuffer b, float v, Precision p) {
        if (p == Precision.BF16) b.putShort(Half.floatToBf16(v));
        else b.putFloat(v);
    }

    private static float getValue(ByteBuffer b, Precision p) {
        return p == Precision.BF16 ? Half.bf16ToFloat(b.getShort()) : b.getFloat();
    }
}
