package io.github.cospadi.common;


import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayList;
import java.util.List;

/**
 * How many threads a computation may use. Work is always cut into fixed blocks whose boundaries do not
 * depend on the thread count, and every block is computed the same way whichever thread runs it, so
 * results are bit-identical for any parallelism (docs/design.md §7).
 *
 * <p>Instances are immutable and thread-safe. Worker threads are daemon threads of a pool shared by all
 * instances with the same thread count.
 */
public final class Parallelism {
    /** Body of a parallel loop over the half-open block {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final Parallelism SEQUENTIAL = new Parallelism(1);
    private final int threads;

    private Parallelism(int threads) {
        this.threads = threads;
    }

    /** Everything on the calling thread. */
    public static Parallelism sequential() {
        return SEQUENTIAL;
    }

    /** Up to {@code threads} threads (the calling thread included). */
    public static Parallelism threads(int threads) {
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
        return threads == 1 ? SEQUENTIAL : new Parallelism(threads);
    }

    /** One thread per available processor. */
    public static Parallelism available() {
        return threads(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into blocks of {@code blockSize} (the last may be shorter).
     * Returns when every block is done; rethrows the first failure.
     */
    public void forEachBlock(int n, int blockSize, RangeBody body) {
        if (n <= 0) return;
        if (blockSize <= 0) throw new IllegalArgumentException("blockSize must be positive, got " + blockSize);
        final int blocks = (n + blockSize - 1) / blockSize;
        final int workers = Math.min(threads, blocks);
        if (workers <= 1) {
            for (int b = 0; b < blocks; b++) body.run(b * blockSize, Math.min(n, (b + 1) * blockSize));
            return;
        }
        final AtomicInteger next = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Runnable worker = () -> {
            int b;
            while (failure.get() == null && (b = next.getAndIncrement()) < blocks) {
                try {
                    body.run(b * blockSize, Math.min(n, (b + 1) * blockSize));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        final ForkJoinPool pool = Pools.get(threads);
        final List<Future<?>> futures = new ArrayList<>(workers - 1);
        for (int w = 1; w < workers; w++) futures.add(pool.submit(worker));
        worker.run();
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, e);
            } catch (ExecutionException e) {
                failure.compareAndSet(null, e.getCause());
            }
        }
        final Throwable t = failure.get();
        if (t instanceof RuntimeException) throw (RuntimeException) t;
        if (t instanceof Error) throw (Error) t;
        if (t != null) throw new IllegalStateException(t);
    }

    /**
     * Runs {@code worker} on the calling thread and on {@code count − 1} new daemon threads ({@code cospadi-NAME-i},
     * spaces of {@code name} as dashes) and returns when every copy has returned: the loop of a work queue whose tasks
     * are long and may use a {@link Parallelism} of their own (so they do not run on its pool). The workers share their
     * queue, results and failures through {@code worker} itself. If the calling thread is interrupted while it waits,
     * the other threads are interrupted and a {@link CancellationException} "NAME interrupted" is thrown.
     */
    public static void onThreads(String name, int count, Runnable worker) {
        final List<Thread> threads = new ArrayList<>();
        for (int w = 1; w < count; w++) {
            final Thread t = new Thread(worker, "cospadi-" + name.replace(' ', '-') + "-" + w);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        worker.run();
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                for (Thread u : threads) u.interrupt();
                Thread.currentThread().interrupt();
                throw new CancellationException(name + " interrupted");
            }
        }
    }

    @Override
    public String toString() {
        return "Parallelism[threads=" + threads + "]";
    }

    private static final class Pools {
        private static final java.util.concurrent.ConcurrentHashMap<Integer, ForkJoinPool> POOLS =
                new java.util.concurrent.ConcurrentHashMap<>();

        static ForkJoinPool get(int threads) {
            return POOLS.computeIfAbsent(threads, t -> new ForkJoinPool(t - 1, pool -> {
                var thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                thread.setDaemon(true);
                thread.setName("cospadi-worker-" + thread.getPoolIndex());
                return thread;
            }, null, false));
        }
    }
}
