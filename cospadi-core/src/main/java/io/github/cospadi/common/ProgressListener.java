package io.github.cospadi.common;

/**
 * Receives progress of a long computation (one event per iteration and per phase). Called on the thread
 * that runs {@link Compressor#compress}; keep it cheap. Call {@link ProgressEvent#cancel()} to stop the
 * computation, which then throws {@link java.util.concurrent.CancellationException}; interrupting the
 * calling thread has the same effect.
 */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(ProgressEvent event);

    /** A listener that ignores every event. */
    static ProgressListener none() {
        return e -> {};
    }
}
