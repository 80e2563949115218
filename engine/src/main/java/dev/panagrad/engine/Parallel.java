package dev.panagrad.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool every kernel shares. Its size comes from the system property
 * {@code panagrad.threads} (default: the number of available processors) and can be changed with
 * {@link #setThreads(int)}.
 *
 * <p>Kernels split work into tasks whose boundaries depend only on the problem size (never on timing),
 * and each task writes its own part of the output, so a run is bitwise reproducible.
 */
public final class Parallel {
    private static volatile ForkJoinPool pool;
    private static volatile int threads;

    static {
        setThreads(Integer.getInteger("panagrad.threads", Runtime.getRuntime().availableProcessors()));
    }

    private Parallel() {
    }

    /** The pool size. */
    public static int threads() {
        return threads;
    }

    /** Replaces the shared pool with one of {@code n} threads; running work finishes on the old pool. */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads: need at least 1, got " + n);
        }
        ForkJoinPool old = pool;
        threads = n;
        pool = n == 1 ? null : new ForkJoinPool(n, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("panagrad-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
        if (old != null) {
            old.shutdown();
        }
    }

    /** The body of a parallel loop: handles tasks {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, tasks)}, in parallel when the pool has more than one thread
     * and there is more than one task; returns when every task has run. Exceptions propagate.
     */
    public static void forEach(int tasks, Range body) {
        ForkJoinPool p = pool;
        if (tasks <= 0) {
            return;
        }
        if (p == null || tasks == 1) {
            body.run(0, tasks);
        } else if (isWorkerOf(p)) {
            new Split(body, 0, tasks).compute();
        } else {
            p.invoke(new Split(body, 0, tasks));
        }
    }

    /**
     * Runs {@code body} over chunks of {@code [0, n)}, each at least {@code grain} long (except the
     * last), in parallel when there is more than one chunk.
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) {
            return;
        }
        int chunks = (int) Math.min(Math.max(1, n / Math.max(1, grain)), 4L * threads);
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        forEach(chunks, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            }
        });
    }

    /**
     * Whether the current thread is one of the pool's workers. Kernels that keep per-thread scratch
     * buffers run serially there, so that a task stolen while joining cannot reuse the buffers.
     */
    public static boolean inWorker() {
        ForkJoinPool p = pool;
        return p != null && isWorkerOf(p);
    }

    private static boolean isWorkerOf(ForkJoinPool p) {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == p;
    }

    private static final class Split extends RecursiveAction {
        private final Range body;
        private final int from;
        private final int to;

        Split(Range body, int from, int to) {
            this.body = body;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.run(from, to);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Split(body, from, mid), new Split(body, mid, to));
        }
    }
}
