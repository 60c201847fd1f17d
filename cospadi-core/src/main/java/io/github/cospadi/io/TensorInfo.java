package io.github.cospadi.io;

import java.util.Arrays;

/**
 * One tensor of a safetensors file: its dtype, shape and byte range [begin, end) relative to the start of the data
 * section.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo && ((TensorInfo) o).name.equals(name) && ((TensorInfo) o).dtype == dtype
                && Arrays.equals(((TensorInfo) o).shape, shape) && ((TensorInfo) o).begin == begin && ((TensorInfo) o).end == end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
