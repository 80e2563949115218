package dev.panagrad.engine.backend;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread pool every kernel shares. Its size comes from the system property
 * {@code panagrad.threads} (default: the number of available processors) and can be changed with
 * {@link #setThreads(int)}.
 *
 * <p>Kernels split work into tasks whose boundaries depend only on the problem size (never on timing),
 * and each task writes its own part of the output, so a run is bitwise reproducible.
 *
 * <p>The calling thread works too: a pool of n threads is the caller plus n - 1 helpers. Each thread
 * starts on its own contiguous share of a loop's tasks, the same share in every loop of the same size,
 * and helps with the others' when its own is done. Helpers spin for a short while after a loop before
 * they park, because a training step runs hundreds of parallel loops separated by short serial
 * stretches; waking a parked thread for each, while the caller waited idle, cost a ResNet-20 step about
 * a fifth of its time on two cores (bench/RESULTS.md has the measurement).
 */
public final class Parallel {
    /** How long an idle helper keeps looking for the next loop before it parks. */
    private static final long SPIN_NANOS = Long.getLong("panagrad.parallel.spinMicros", 100) * 1000;

    private static volatile Pool pool;
    private static volatile int threads;
    private static final ThreadLocal<Boolean> IN_LOOP = ThreadLocal.withInitial(() -> false);

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
        Pool old = pool;
        threads = n;
        pool = n == 1 ? null : new Pool(n - 1);
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
     * and there is more than one task; returns when every task has run. Exceptions propagate. A loop
     * started inside another, or while another thread's loop holds the pool, runs on the calling thread.
     */
    public static void forEach(int tasks, Range body) {
        if (tasks <= 0) {
            return;
        }
        Pool p = pool;
        if (p == null || tasks == 1 || IN_LOOP.get() || !p.busy.compareAndSet(false, true)) {
            body.run(0, tasks);
            return;
        }
        IN_LOOP.set(true);
        try {
            p.run(new Loop(body, tasks, p.helpers.length + 1));
        } finally {
            IN_LOOP.set(false);
            p.busy.set(false);
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
     * Whether the current thread is running a task of a parallel loop. Kernels that would start a loop
     * of their own (GEMM) run serially there instead.
     */
    public static boolean inWorker() {
        return IN_LOOP.get();
    }

    /**
     * One parallel loop. The tasks are cut into one contiguous share per thread, the caller's first; a
     * thread claims the tasks of its own share from the front, then those left in the others' shares.
     * So a thread gets the same tasks from one loop to the next wherever the work is even, and the data
     * one op wrote for, say, images 0 to 31 is read by the next op on the core that holds it in cache.
     * Claiming from one shared counter handed images to whichever thread came first, which moved most of
     * a step's activations from core to core: on two cores that do not share a last-level cache, a ResNet
     * training step lost a fifth of its speed to that (bench/RESULTS.md).
     */
    private static final class Loop {
        /** Ints per 64-byte cache line: each share's counter has a line of its own. */
        private static final int LINE = 16;

        final Range body;
        final int tasks;
        final int shares;
        /** Tasks claimed so far from share s, at index s * LINE. */
        final AtomicIntegerArray claimed;
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable error;

        Loop(Range body, int tasks, int threads) {
            this.body = body;
            this.tasks = tasks;
            this.shares = Math.min(tasks, threads);
            this.claimed = new AtomicIntegerArray(shares * LINE);
        }

        /** Runs tasks of thread {@code self}'s share, then of the others', until none is left. */
        void work(int self) {
            int done = 0;
            for (int k = 0; k < shares; k++) {
                int share = (self + k) % shares;
                int from = (int) ((long) tasks * share / shares);
                int to = (int) ((long) tasks * (share + 1) / shares);
                int t;
                while ((t = from + claimed.getAndIncrement(share * LINE)) < to) {
                    try {
                        if (error == null) {
                            body.run(t, t + 1);
                        }
                    } catch (Throwable e) {
                        synchronized (this) {
                            if (error == null) {
                                error = e;
                            }
                        }
                    }
                    done++;
                }
            }
            finished.addAndGet(done); // once per thread: a count per task would cross between cores each time
        }
    }

    /** The helpers and the loop they are working on. */
    private static final class Pool {
        final AtomicBoolean busy = new AtomicBoolean();
        final Thread[] helpers;
        volatile Loop current;
        volatile long generation;
        volatile boolean stopped;

        Pool(int count) {
            helpers = new Thread[count];
            for (int i = 0; i < count; i++) {
                int self = i + 1; // the caller is thread 0
                Thread t = new Thread(() -> helperLoop(self), "panagrad-" + self);
                t.setDaemon(true);
                helpers[i] = t;
                t.start();
            }
        }

        void run(Loop loop) {
            current = loop;
            generation++; // only the thread holding busy writes it
            for (Thread h : helpers) {
                LockSupport.unpark(h);
            }
            loop.work(0);
            // The last tasks may still be running on helpers: they are short, so wait actively.
            while (loop.finished.get() < loop.tasks) {
                Thread.onSpinWait();
            }
            current = null;
            Throwable e = loop.error;
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof Error err) {
                throw err;
            }
            if (e != null) {
                throw new IllegalStateException(e);
            }
        }

        private void helperLoop(int self) {
            IN_LOOP.set(true);
            long seen = 0;
            while (!stopped) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (generation == seen && !stopped) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                seen = generation;
                Loop loop = current;
                if (loop != null) {
                    loop.work(self);
                }
            }
        }

        void shutdown() {
            stopped = true;
            for (Thread h : helpers) {
                LockSupport.unpark(h);
            }
        }
    }
}
