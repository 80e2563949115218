package dev.panagrad.engine;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.profile.KernelTimes;
import dev.panagrad.engine.profile.ProfilingBackend;
import java.util.List;

/**
 * Where the time goes: while a profiler is active, every kernel call on the current backend is timed
 * and counted by kernel (binary ops by operator, convolutions by pass and kernel size), with the
 * floating-point operations of GEMMs and convolutions. The rest of the wall time, "outside kernels", is
 * autodiff bookkeeping, allocation and the caller's own work.
 *
 * <pre>{@code
 * try (OpProfiler p = OpProfiler.start()) {
 *     step();                         // warm-up steps first, then p.reset() to measure a steady one
 *     System.out.println(p.table());
 * }
 * }</pre>
 *
 * {@code -Dpanagrad.profile=true} profiles a whole program instead and prints the table at exit.
 * Times come from {@link System#nanoTime()}; {@link #timerResolutionNanos()} says how fine it is.
 * Profile one thread at a time.
 */
public final class OpProfiler implements AutoCloseable {
    private static KernelTimes atExit;

    private final KernelTimes times = new KernelTimes();
    private final Backend previous;

    private OpProfiler(Backend previous) {
        this.previous = previous;
    }

    /** Starts profiling the current backend; {@link #close()} puts it back. */
    public static OpProfiler start() {
        Backend current = Backends.current();
        OpProfiler p = new OpProfiler(current);
        Backends.use(ProfilingBackend.wrap(current, p.times));
        return p;
    }

    /**
     * {@code backend} itself, or, when {@code -Dpanagrad.profile=true}, that backend profiled for the rest
     * of the run with the table printed to standard error at exit.
     */
    static Backend profiledIfRequested(Backend backend) {
        if (!Boolean.getBoolean("panagrad.profile") || ProfilingBackend.isProfiled(backend)) {
            return backend;
        }
        synchronized (OpProfiler.class) {
            if (atExit == null) {
                KernelTimes t = new KernelTimes();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(t.table())));
                atExit = t;
            }
            return ProfilingBackend.wrap(backend, atExit);
        }
    }

    /** Forgets what was recorded and restarts the wall clock (after warm-up, for instance). */
    public void reset() {
        times.reset();
    }

    /** The kernels recorded so far, the most time first. */
    public List<KernelTimes.Row> rows() {
        return times.rows();
    }

    /** Wall time since the start or the last {@link #reset()}. */
    public long wallNanos() {
        return times.wallNanos();
    }

    /** The smallest step of the timer, measured at start-up. */
    public static long timerResolutionNanos() {
        return KernelTimes.timerResolutionNanos();
    }

    /** A Markdown table: kernel, calls, total ms, share of the wall time, mean us per call, GFLOPS. */
    public String table() {
        return times.table();
    }

    /** Stops profiling: the backend that was current at {@link #start()} is current again. */
    @Override
    public void close() {
        Backends.use(previous);
    }
}
