package io.github.cospadi.internal;

/**
 * Picks the {@link FloatOps} implementation once per JVM: the Vector API twin when the incubator module is
 * readable and not disabled by {@code -Dcospadi.simd=scalar}, else the scalar one. {@link #REASON} says why.
 */
final class FloatOpsProvider {
    static final FloatOps INSTANCE;
    /** Why {@link #INSTANCE} was chosen (for reports and benchmarks). */
    static final String REASON;

    static {
        final String wanted = System.getProperty("cospadi.simd", "auto");
        FloatOps chosen = ScalarFloatOps.INSTANCE;
        String reason;
        if (wanted.equals("scalar")) {
            reason = "scalar requested by -Dcospadi.simd=scalar";
        } else if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            reason = "jdk.incubator.vector not present (run with --add-modules jdk.incubator.vector for the fast path)";
        } else {
            try {
                chosen = (FloatOps) Class.forName("io.github.cospadi.internal.PanamaFloatOps")
                        .getDeclaredConstructor().newInstance();
                reason = "Vector API present";
            } catch (ReflectiveOperationException | LinkageError e) {
                reason = "Vector API failed to load: " + e;
            }
        }
        if (wanted.equals("vector") && chosen == ScalarFloatOps.INSTANCE) {
            throw new IllegalStateException("-Dcospadi.simd=vector but " + reason);
        }
        INSTANCE = chosen;
        REASON = reason;
    }

    private FloatOpsProvider() {}

    /** Why the current implementation was chosen. */
    static String reason() {
        return REASON;
    }
}
