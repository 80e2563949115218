package dev.panagrad.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The round trip of one cache line between two threads, as a check on where the machine put its cores.
 * Two cores that share a last-level cache pass a line in tens of nanoseconds; cores on different dies or
 * sockets take several times that, and so does every value one core writes and the other reads next. On a
 * virtual machine the host may move the guest's cores between dies while it runs, so a benchmark that
 * reports this beside its numbers says which of the two machines they came from.
 */
public final class CoreToCoreLatency {
    /** How long the benchmarks that report it measure the round trip each time. */
    static final long SAMPLE_MILLIS = 100;

    private CoreToCoreLatency() {
    }

    /**
     * Nanoseconds per round trip, measured for about {@code millis}: the caller writes an odd number to a
     * shared counter, a second thread answers with the next even one, and so on. NaN on one processor,
     * where the two threads would take turns on it instead.
     */
    public static double roundTripNanos(long millis) {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            return Double.NaN;
        }
        AtomicLong line = new AtomicLong();
        Thread echo = new Thread(() -> {
            for (long v = 1; ; v += 2) {
                long seen;
                while ((seen = line.get()) != v) {
                    if (seen < 0) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                line.set(v + 1);
            }
        }, "core-to-core-echo");
        echo.setDaemon(true);
        echo.start();
        long v = 0;
        long trips = 0;
        long start = System.nanoTime();
        long end = start + millis * 1_000_000L;
        long now;
        do {
            for (int i = 0; i < 1000; i++) {
                line.set(v + 1);
                while (line.get() != v + 2) {
                    Thread.onSpinWait();
                }
                v += 2;
            }
            trips += 1000;
            now = System.nanoTime();
        } while (now < end);
        line.set(-1);
        try {
            echo.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (now - start) / (double) trips;
    }
}
