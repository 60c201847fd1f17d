package io.github.cospadi.spark;

import java.io.Serializable;

/**
 * Called in a Spark task before it compresses a projection, with the task's attempt number (0 for the first): for
 * fault-injection tests and instrumentation. Throwing fails the attempt, and Spark retries it
 * ({@code spark.task.maxFailures}).
 */
@FunctionalInterface
public interface TaskHook extends Serializable {
    void beforeCompress(String projection, int attempt) throws Exception;

    /** A hook that does nothing. */
    static TaskHook none() {
        return (p, a) -> {};
    }
}
