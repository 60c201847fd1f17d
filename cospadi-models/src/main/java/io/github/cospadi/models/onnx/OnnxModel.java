package io.github.cospadi.models.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The initializers (weights) and nodes of an ONNX model: ModelProto.graph (7) → GraphProto.node (1),
 * GraphProto.initializer (5); NodeProto input (1), output (2), name (3), op_type (4); TensorProto dims (1),
 * data_type (2), float_data (4), int64_data (7), name (8), raw_data (9). Float (1) and int64 (7) tensors are decoded.
 */
public final class OnnxModel {
    /** A constant tensor: float data (for FLOAT) or long data (for INT64), row-major with {@code dims}. */
    public record Tensor(String name, long[] dims, float[] floats, long[] longs) {
        public long elements() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }
    }

    /** A graph node. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    private final Map<String, Tensor> initializers;
    private final List<Node> nodes;

    private OnnxModel(Map<String, Tensor> initializers, List<Node> nodes) {
        this.initializers = initializers;
        this.nodes = nodes;
    }

    public static OnnxModel read(Path path) throws IOException {
        try {
            return parse(Files.readAllBytes(path));
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": not a valid ONNX model: " + e.getMessage(), e);
        }
    }

    public static OnnxModel read(InputStream in, String source) throws IOException {
        try {
            return parse(in.readAllBytes());
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": not a valid ONNX model: " + e.getMessage(), e);
        }
    }

    static OnnxModel parse(byte[] bytes) {
        final ProtoReader model = ProtoReader.of(bytes);
        final Map<String, Tensor> init = new LinkedHashMap<>();
        final List<Node> nodes = new ArrayList<>();
        boolean graphSeen = false;
        while (model.next()) {
            if (model.field() != 7) {
                model.skip();
                continue;
            }
            graphSeen = true;
            final ProtoReader graph = model.message();
            while (graph.next()) {
                if (graph.field() == 5) {
                    final Tensor t = tensor(graph.message());
                    init.put(t.name(), t);
                } else if (graph.field() == 1) {
                    nodes.add(node(graph.message()));
                } else {
                    graph.skip();
                }
            }
        }
        if (!graphSeen) throw new IllegalArgumentException("no graph (ModelProto field 7)");
        return new OnnxModel(Collections.unmodifiableMap(init), List.copyOf(nodes));
    }

    private static Node node(ProtoReader r) {
        String name = "", op = "";
        final List<String> in = new ArrayList<>(), out = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1: in.add(r.string()); break;
                case 2: out.add(r.string()); break;
                case 3: name = r.string(); break;
                case 4: op = r.string(); break;
                default: r.skip();
            }
        }
        return new Node(name, op, List.copyOf(in), List.copyOf(out));
    }

    private static Tensor tensor(ProtoReader r) {
        final List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        int[] raw = null;
        final List<Float> floatData = new ArrayList<>();
        final List<Long> longData = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1:
                    if (r.wireType() == ProtoReader.LENGTH_DELIMITED) {
                        final ProtoReader p = r.message();
                        while (p.hasMore()) dims.add(p.varint());
                    } else {
                        dims.add(r.varint());
                    }
                    break;
                case 2: type = (int) r.varint(); break;
                case 4:
                    if (r.wireType() == ProtoReader.LENGTH_DELIMITED) {
                        final int[] s = r.slice();
                        for (int i = s[0]; i + 4 <= s[1]; i += 4) floatData.add(r.buffer().getFloat(i));
                    } else {
                        floatData.add(Float.intBitsToFloat((int) r.varint()));
                    }
                    break;
                case 7:
                    if (r.wireType() == ProtoReader.LENGTH_DELIMITED) {
                        final ProtoReader p = r.message();
                        while (p.hasMore()) longData.add(p.varint());
                    } else {
                        longData.add(r.varint());
                    }
                    break;
                case 8: name = r.string(); break;
                case 9: raw = r.slice(); break;
                default: r.skip();
            }
        }
        final long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long x : d) n *= x;
        if (type == 1) {
            final float[] f = new float[(int) n];
            if (raw != null) {
                if (raw[1] - raw[0] != 4 * n) throw new IllegalArgumentException("tensor '" + name + "' has " + (raw[1] - raw[0]) + " raw bytes, expected " + 4 * n);
                final ByteBuffer b = r.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) f[i] = b.getFloat(raw[0] + 4 * i);
            } else {
                if (floatData.size() != n) throw new IllegalArgumentException("tensor '" + name + "' has " + floatData.size() + " floats, expected " + n);
                for (int i = 0; i < n; i++) f[i] = floatData.get(i);
            }
            return new Tensor(name, d, f, null);
        }
        if (type == 7) {
            final long[] l = new long[(int) n];
            if (raw != null) {
                if (raw[1] - raw[0] != 8 * n) throw new IllegalArgumentException("tensor '" + name + "' has " + (raw[1] - raw[0]) + " raw bytes, expected " + 8 * n);
                final ByteBuffer b = r.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) l[i] = b.getLong(raw[0] + 8 * i);
            } else {
                for (int i = 0; i < Math.min(n, longData.size()); i++) l[i] = longData.get(i);
            }
            return new Tensor(name, d, null, l);
        }
        return new Tensor(name, d, null, null); // other types are kept by name and shape only
    }

    public Map<String, Tensor> initializers() {
        return initializers;
    }

    public List<Node> nodes() {
        return nodes;
    }
}
