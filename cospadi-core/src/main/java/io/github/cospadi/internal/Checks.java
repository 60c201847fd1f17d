package io.github.cospadi.internal;

import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * Argument checks used at the public entry points ("check at the door, trust inside"). Every message
 * names the parameter and the offending value.
 */
public final class Checks {
    private Checks() {}

    public static int positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
        return value;
    }

    public static double finite(String name, double value) {
        if (!Double.isFinite(value)) throw new IllegalArgumentException(name + " must be finite, got " + value);
        return value;
    }

    public static void finite(String name, FMatrixRMaj m) {
        final float[] a = m.data;
        final int n = m.getNumElements();
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(a[i])) {
                throw new IllegalArgumentException(name + " has a non-finite entry " + a[i] + " at (" + (i / m.numCols)
                        + ", " + (i % m.numCols) + ") of its " + shape(m) + " entries");
            }
        }
    }

    public static void finite(String name, DMatrixRMaj m) {
        final double[] a = m.data;
        final int n = m.getNumElements();
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(name + " has a non-finite entry " + a[i] + " at (" + (i / m.numCols)
                        + ", " + (i % m.numCols) + ") of its " + shape(m) + " entries");
            }
        }
    }

    public static void nonEmpty(String name, FMatrixRMaj m) {
        if (m.numRows == 0 || m.numCols == 0) throw new IllegalArgumentException(name + " is empty: " + shape(m));
    }

    public static String shape(FMatrixRMaj m) {
        return m.numRows + "x" + m.numCols;
    }

    public static String shape(DMatrixRMaj m) {
        return m.numRows + "x" + m.numCols;
    }
}
