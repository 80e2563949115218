package dev.panagrad.engine.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link ProfilingBackend} recorded: per kernel (binary ops by operator, convolutions by pass and
 * shape), the calls, the time and the floating-point operations, against the wall time since the start.
 */
public final class KernelTimes {
    private static final long RESOLUTION = measureResolution();

    private final Map<String, Stat> stats = new HashMap<>();
    private long startNanos = System.nanoTime();

    private static final class Stat {
        long calls;
        long nanos;
        double flops;
    }

    /** One line of the table: a kernel, its calls, total time and floating-point operations. */
    public record Row(String op, long calls, long nanos, double flops) {
        /** Billions of floating-point operations per second, or NaN for kernels that do not count them. */
        public double gflops() {
            return flops > 0 ? flops / nanos : Double.NaN;
        }
    }

    /** Adds one call of {@code op} that took {@code nanos} and did {@code flops} operations. */
    public synchronized void record(String op, long nanos, double flops) {
        Stat s = stats.computeIfAbsent(op, k -> new Stat());
        s.calls++;
        s.nanos += nanos;
        s.flops += flops;
    }

    /** Forgets what was recorded and restarts the wall clock (after warm-up, for instance). */
    public synchronized void reset() {
        stats.clear();
        startNanos = System.nanoTime();
    }

    /** The kernels recorded so far, the most time first. */
    public synchronized List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        stats.forEach((op, s) -> rows.add(new Row(op, s.calls, s.nanos, s.flops)));
        rows.sort(Comparator.comparingLong(Row::nanos).reversed().thenComparing(Row::op));
        return rows;
    }

    /** Wall time since the start or the last {@link #reset()}. */
    public synchronized long wallNanos() {
        return System.nanoTime() - startNanos;
    }

    /** The smallest step of the timer, measured at start-up. */
    public static long timerResolutionNanos() {
        return RESOLUTION;
    }

    /** A Markdown table: kernel, calls, total ms, share of the wall time, mean us per call, GFLOPS. */
    public String table() {
        List<Row> rows = rows();
        long wall = wallNanos();
        long inKernels = 0;
        for (Row r : rows) {
            inKernels += r.nanos();
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Op profile: %.1f ms wall, %.1f ms in kernels, timer resolution %d ns%n%n",
                wall / 1e6, inKernels / 1e6, RESOLUTION));
        sb.append("| kernel | calls | total ms | % wall | us/call | GFLOPS |\n|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.1f | %s |%n", r.op(), r.calls(),
                    r.nanos() / 1e6, 100.0 * r.nanos() / wall, r.nanos() / 1e3 / r.calls(),
                    Double.isNaN(r.gflops()) ? "" : String.format(Locale.ROOT, "%.1f", r.gflops())));
        }
        long outside = Math.max(0, wall - inKernels);
        sb.append(String.format(Locale.ROOT, "| outside kernels (autodiff, allocation, caller) | | %.2f | %.1f | | |%n",
                outside / 1e6, 100.0 * outside / wall));
        return sb.toString();
    }

    private static long measureResolution() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 1000; i++) {
            long a = System.nanoTime();
            long b;
            do {
                b = System.nanoTime();
            } while (b == a);
            best = Math.min(best, b - a);
        }
        return best;
    }
}
