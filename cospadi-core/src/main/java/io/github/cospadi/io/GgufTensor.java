package io.github.cospadi.io;

import java.util.Arrays;

/**
 * One tensor of a GGUF file. {@code dims} is in GGUF (ggml) order: {@code dims[0] = ne0} is the innermost, contiguous
 * dimension, so element {@code (i0, i1, ...)} is at flat index {@code i0 + ne0·(i1 + ne1·(i2 + ...))}. For a linear
 * layer's weight {@code ne0 = inFeatures} and {@code ne1 = outFeatures}: the PyTorch {@code (out × in)} matrix,
 * whose shape is {@link #torchShape()} = dims reversed. {@code offset} is the absolute file offset of the first byte,
 * {@code bytes} the tensor's size in the file.
 */
public record GgufTensor(String name, GgmlType type, long[] dims, long offset, long bytes) {
    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Number of dimensions (1 to 4). */
    public int rank() {
        return dims.length;
    }

    /** Number of elements: the product of the dims. */
    public long elements() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    /** The shape in PyTorch / numpy order (outermost first): dims reversed. */
    public long[] torchShape() {
        final long[] s = new long[dims.length];
        for (int i = 0; i < dims.length; i++) s[i] = dims[dims.length - 1 - i];
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor && ((GgufTensor) o).name.equals(name) && ((GgufTensor) o).type == type
                && Arrays.equals(((GgufTensor) o).dims, dims) && ((GgufTensor) o).offset == offset && ((GgufTensor) o).bytes == bytes;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(dims) + " @" + offset + " (" + bytes + " bytes)";
    }
}
